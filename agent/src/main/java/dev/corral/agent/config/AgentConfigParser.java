package dev.corral.agent.config;

import dev.corral.agent.artifact.ArtifactConfig;
import dev.corral.agent.gc.GcConfig;
import dev.corral.agent.node.HostFingerprint;
import dev.corral.agent.node.HostVolume;
import dev.corral.agent.node.NodeResources;
import dev.corral.driver.ExecConfigKey;
import dev.corral.jobspec.JobSpecException;
import dev.corral.jobspec.SourcePos;
import dev.corral.jobspec.hcl.Ast;
import dev.corral.jobspec.hcl.Hcl;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Parses Nomad-style agent configuration HCL; unknown keys and bad values are errors with positions. */
public final class AgentConfigParser {
    private static final Set<String> LOG_LEVELS = Set.of("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "OFF");
    private static final Set<String> RAW_EXEC_KEYS = Set.of("enabled", "no_cgroups");

    private AgentConfigParser() {}

    /** Reads and parses {@code file}. */
    public static AgentConfig parseFile(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new AgentConfigException(List.of("cannot read agent config " + file + ": " + e.getMessage()));
        }
        return parse(file.toString(), text, false);
    }

    /**
     * Parses config text. With {@code dev}, unset keys take dev-mode defaults (temp data dir,
     * {@code 127.0.0.1}).
     */
    public static AgentConfig parse(String fileName, String text, boolean dev) {
        Ast.Body body;
        try {
            body = Hcl.parse(fileName, text);
        } catch (JobSpecException e) {
            throw new AgentConfigException(List.of(e.getMessage()));
        }
        List<String> errors = new ArrayList<>();
        BlockReader r = new BlockReader(body, "", errors);
        Path dataDir = r.string("data_dir").map(Path::of).orElse(null);
        r.attr("data_dir").ifPresent(a -> {
            if (dataDirRelative(a, r)) {
                r.error(a.pos(), "data_dir", "must be an absolute path");
            }
        });
        String bind = r.string("bind_addr").orElse(dev ? "127.0.0.1" : "0.0.0.0");
        String name = r.string("name").orElseGet(AgentConfigParser::hostname);
        String dc = r.string("datacenter").orElse("dc1");
        String region = r.string("region").orElse("global");
        String level = r.string("log_level").map(s -> s.toUpperCase(Locale.ROOT)).orElse("INFO");
        r.attr("log_level").ifPresent(a -> {
            if (!LOG_LEVELS.contains(level)) {
                r.error(a.pos(), "log_level", "must be one of TRACE, DEBUG, INFO, WARN, ERROR, OFF; got \"" + level + "\"");
            }
        });
        boolean logJson = r.bool("log_json").orElse(false);
        AgentConfig.Ports ports = r.block("ports").map(b -> ports(r.child(b, "ports"))).orElse(AgentConfig.Ports.DEFAULT);
        r.block("server").ifPresent(b -> {
            BlockReader s = r.child(b, "server");
            s.bool("enabled");
            s.integer("bootstrap_expect");
            s.finish();
        });
        AgentConfig.Client client = r.block("client").map(b -> client(r.child(b, "client"), dataDir))
                .orElseGet(() -> client(new BlockReader(new Ast.Body(List.of(), body.pos(), body.end()), "client", errors),
                        dataDir));
        Map<String, AgentConfig.Plugin> plugins = new LinkedHashMap<>();
        for (Ast.Block b : r.blocks("plugin")) {
            if (b.labels().size() != 1) {
                r.error(b.pos(), "plugin", "needs exactly one label, the plugin name, e.g. plugin \"exec\" { ... }");
                continue;
            }
            String pname = b.labels().getFirst().value();
            BlockReader p = r.child(b, "plugin." + pname);
            Map<String, Object> cfg = new LinkedHashMap<>();
            p.block("config").ifPresent(cb -> {
                BlockReader c = p.child(cb, "config");
                switch (pname) {
                    case "exec" -> {
                        // The driver's key table checks each value (type, spelling, range) where it stands.
                        for (ExecConfigKey k : ExecConfigKey.agentKeys()) {
                            c.attr(k.key()).ifPresent(a -> {
                                Object v = c.value(a.expr(), k.key());
                                if (v != null) {
                                    k.check(v).forEach(problem -> c.error(a.pos(), k.key(), problem));
                                    cfg.put(k.key(), v);
                                }
                            });
                        }
                    }
                    case "raw_exec" -> {
                        for (String k : RAW_EXEC_KEYS) {
                            c.attr(k).ifPresent(a -> cfg.put(k, c.value(a.expr(), k)));
                        }
                    }
                    default -> {
                        p.error(b.pos(), "", "unknown plugin \"" + pname + "\"; Corral has \"exec\" (and accepts \"raw_exec\" settings)");
                        return;
                    }
                }
                c.finish();
            });
            p.finish();
            if (plugins.put(pname, new AgentConfig.Plugin(pname, cfg)) != null) {
                r.error(b.pos(), "plugin", "plugin \"" + pname + "\" is configured twice");
            }
        }
        AgentConfig.Acl acl = r.block("acl").map(b -> SecurityBlocks.acl(r.child(b, "acl"))).orElse(AgentConfig.Acl.DISABLED);
        AgentConfig.Tls tls = r.block("tls").map(b -> SecurityBlocks.tls(r.child(b, "tls"), b.pos())).orElse(AgentConfig.Tls.OFF);
        r.finish();
        if (!errors.isEmpty()) {
            throw new AgentConfigException(errors);
        }
        return new AgentConfig(dataDir, bind, ports, name, dc, region, level, logJson, client, plugins, dev, acl, tls);
    }

    private static boolean dataDirRelative(Ast.Attribute a, BlockReader r) {
        Object v = r.value(a.expr(), "data_dir");
        return v instanceof String s && !Path.of(s).isAbsolute();
    }

    private static AgentConfig.Ports ports(BlockReader p) {
        int http = p.integer("http").map(Long::intValue).orElse(4646);
        int rpc = p.integer("rpc").map(Long::intValue).orElse(4647);
        int serf = p.integer("serf").map(Long::intValue).orElse(4648);
        p.finish();
        return new AgentConfig.Ports(http, rpc, serf);
    }

    private static AgentConfig.Client client(BlockReader c, Path dataDir) {
        boolean enabled = c.bool("enabled").orElse(true);
        String nodeClass = c.string("node_class").orElse("");
        Map<String, String> meta = c.stringMap("meta");
        Map<String, String> chroot = c.stringMap("chroot_env");
        Path allocDir = c.string("alloc_dir").map(Path::of).orElse(dataDir == null ? null : dataDir.resolve("alloc"));
        NodeResources reserved = c.block("reserved").map(b -> reserved(c.child(b, "reserved"))).orElse(NodeResources.NONE);
        GcConfig d = GcConfig.DEFAULT;
        Duration gcInterval = c.duration("gc_interval").orElse(d.interval());
        double disk = c.number("gc_disk_usage_threshold").orElse(d.diskUsageThreshold());
        double inode = c.number("gc_inode_usage_threshold").orElse(d.inodeUsageThreshold());
        int maxAllocs = c.integer("gc_max_allocs").map(Long::intValue).orElse(d.maxAllocs());
        int parallel = c.integer("gc_parallel_destroys").map(Long::intValue).orElse(d.parallelDestroys());
        Duration maxKill = c.duration("max_kill_timeout").orElse(Duration.ofSeconds(30));
        Map<String, String> artifact = new LinkedHashMap<>();
        c.block("artifact").ifPresent(b -> {
            BlockReader a = c.child(b, "artifact");
            for (String k : ArtifactConfig.KEYS) {
                a.attr(k).ifPresent(attr -> {
                    Object v = a.value(attr.expr(), k);
                    String text = v instanceof List<?> l ? String.join(",", l.stream().map(String::valueOf).toList())
                            : String.valueOf(v);
                    try {
                        // Checked here, one key at a time, so a bad value is reported at its line.
                        ArtifactConfig.fromKeys(Map.of(k, text));
                        artifact.put(k, text);
                    } catch (IllegalArgumentException e) {
                        a.error(attr.pos(), k, e.getMessage().replaceFirst("^artifact(\\.[a-z_]+)?:? ", ""));
                    }
                });
            }
            a.finish();
        });
        Map<String, String> options = c.stringMap("options");
        Map<String, HostVolume> hostVolumes = hostVolumes(c);
        c.finish();
        return new AgentConfig.Client(enabled, nodeClass, meta, chroot, reserved,
                new GcConfig(gcInterval, disk, inode, maxAllocs, parallel), maxKill, artifact, options, allocDir,
                hostVolumes);
    }

    /** {@code host_volume "name" { path = "/abs", read_only = false }}, repeatable; the path must exist now. */
    private static Map<String, HostVolume> hostVolumes(BlockReader c) {
        Map<String, HostVolume> out = new LinkedHashMap<>();
        Map<String, SourcePos> first = new LinkedHashMap<>();
        for (Ast.Block b : c.blocks("host_volume")) {
            if (b.labels().size() != 1 || b.labels().getFirst().value().isBlank()) {
                c.error(b.pos(), "host_volume", "needs exactly one label, the volume name, e.g. "
                        + "host_volume \"data\" { path = \"/srv/data\" }");
                continue;
            }
            String name = b.labels().getFirst().value();
            BlockReader v = c.child(b, "host_volume." + name);
            Path path = null;
            Optional<Ast.Attribute> pathAttr = v.attr("path");
            if (pathAttr.isEmpty()) {
                v.error(b.pos(), "path", "missing; a host volume needs the absolute host path it mounts");
            } else {
                SourcePos at = pathAttr.get().pos();
                Object text = v.value(pathAttr.get().expr(), "path");
                if (!(text instanceof String s)) {
                    if (text != null) {
                        v.error(at, "path", "must be a string: an absolute host path");
                    }
                } else if (!Path.of(s).isAbsolute()) {
                    v.error(at, "path", "must be an absolute path, got \"" + s + "\"");
                } else if (!Files.exists(Path.of(s))) {
                    v.error(at, "path", "\"" + s + "\" does not exist on this host; create it before starting the agent");
                } else {
                    path = Path.of(s).normalize();
                }
            }
            boolean readOnly = v.bool("read_only").orElse(false);
            v.finish();
            SourcePos before = first.putIfAbsent(name, b.pos());
            if (before != null) {
                c.error(b.pos(), "host_volume", "host_volume \"" + name + "\" is defined twice; first at " + before);
            } else if (path != null) {
                out.put(name, new HostVolume(name, path, readOnly));
            }
        }
        return out;
    }

    private static NodeResources reserved(BlockReader r) {
        long cpu = r.integer("cpu").orElse(0L);
        long mem = r.integer("memory").orElse(0L);
        long disk = r.integer("disk").orElse(0L);
        List<Integer> cores = r.string("cores").map(s -> {
            try {
                return HostFingerprint.parseCpuList(s);
            } catch (NumberFormatException e) {
                r.error(r.attr("cores").orElseThrow().pos(), "cores", "must be a cpuset like \"0-1,4\", got \"" + s + "\"");
                return List.<Integer>of();
            }
        }).orElse(List.of());
        r.string("reserved_ports");
        r.finish();
        return new NodeResources(cpu, cores, mem, disk);
    }

    private static String hostname() {
        try {
            return Files.readString(Path.of("/proc/sys/kernel/hostname")).trim();
        } catch (IOException e) {
            return "localhost";
        }
    }
}
