package dev.corral.agent.config;

import dev.corral.agent.gc.GcConfig;
import dev.corral.agent.node.HostVolume;
import dev.corral.agent.node.NodeResources;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The agent's configuration ({@code corral agent -config FILE}, Nomad's agent config keys that
 * Corral supports), with every default resolved.
 *
 * @param dataDir     {@code data_dir}; in dev mode a fresh temp dir
 * @param bindAddr    {@code bind_addr}
 * @param ports       {@code ports { http, rpc, serf }}
 * @param name        {@code name}: node name, default the host name
 * @param logLevel    {@code log_level}, upper case
 * @param plugins     {@code plugin "<name>" { config { ... } }} by plugin name
 * @param dev         started with {@code -dev}
 * @param acl         {@code acl { }}
 * @param tls         {@code tls { }}
 */
public record AgentConfig(Path dataDir, String bindAddr, Ports ports, String name, String datacenter, String region,
                          String logLevel, boolean logJson, Client client, Map<String, Plugin> plugins, boolean dev,
                          Acl acl, Tls tls) {

    public AgentConfig {
        plugins = Map.copyOf(plugins);
        acl = acl == null ? Acl.DISABLED : acl;
        tls = tls == null ? Tls.OFF : tls;
    }

    /** A configuration without {@code acl} and {@code tls} blocks. */
    public AgentConfig(Path dataDir, String bindAddr, Ports ports, String name, String datacenter, String region,
                       String logLevel, boolean logJson, Client client, Map<String, Plugin> plugins, boolean dev) {
        this(dataDir, bindAddr, ports, name, datacenter, region, logLevel, logJson, client, plugins, dev, Acl.DISABLED,
                Tls.OFF);
    }

    /** {@code acl { enabled }}: with ACLs on, every API request needs a token its policies allow. */
    public record Acl(boolean enabled) {
        public static final Acl DISABLED = new Acl(false);
    }

    /**
     * {@code tls { }} for the HTTP API (Nomad's keys; PEM files).
     *
     * @param http              serve HTTPS instead of HTTP
     * @param caFile            CA certificates (PEM) that sign client certificates; needed by {@code verify_https_client}
     * @param verifyHttpsClient refuse HTTPS clients without a certificate signed by {@code ca_file}
     * @param minVersion        {@code tls_min_version}: {@code tls12} (default) or {@code tls13}
     */
    public record Tls(boolean http, Path certFile, Path keyFile, Path caFile, boolean verifyHttpsClient,
                      String minVersion) {
        public static final Tls OFF = new Tls(false, null, null, null, false, "tls12");

        /** The JSSE protocol names {@code tls_min_version} allows. */
        public List<String> protocols() {
            return "tls13".equals(minVersion) ? List.of("TLSv1.3") : List.of("TLSv1.2", "TLSv1.3");
        }
    }

    /** {@code ports { }}. */
    public record Ports(int http, int rpc, int serf) {
        public static final Ports DEFAULT = new Ports(4646, 4647, 4648);
    }

    /**
     * {@code client { }}.
     *
     * @param chrootEnv      host path to task path; empty means Nomad's default map
     * @param reserved       resources kept back from tasks
     * @param artifact       {@code artifact { }} keys as written (the artifact fetcher validates them)
     * @param options        {@code options { }}, e.g. {@code driver.denylist}, {@code user.denylist}, {@code env.denylist}
     * @param allocDir       {@code alloc_dir}, default {@code <data_dir>/alloc}
     * @param hostVolumes    {@code host_volume "name" { path, read_only }} blocks by name, in file order
     */
    public record Client(boolean enabled, String nodeClass, Map<String, String> meta, Map<String, String> chrootEnv,
                         NodeResources reserved, GcConfig gc, Duration maxKillTimeout, Map<String, String> artifact,
                         Map<String, String> options, Path allocDir, Map<String, HostVolume> hostVolumes) {
        public Client {
            hostVolumes = hostVolumes == null ? Map.of()
                    : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(hostVolumes));
            meta = Map.copyOf(meta);
            chrootEnv = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(chrootEnv));
            artifact = Map.copyOf(artifact);
            options = Map.copyOf(options);
        }

        /** {@code env.denylist}: agent env vars never passed to tasks (a configured value replaces the default). */
        public Set<String> envDenylist() {
            String v = options.get("env.denylist");
            if (v == null) {
                return Set.of("CONSUL_TOKEN", "CONSUL_HTTP_TOKEN", "VAULT_TOKEN", "NOMAD_LICENSE",
                        "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
                        "GOOGLE_APPLICATION_CREDENTIALS");
            }
            return csv(v);
        }

        /** {@code user.denylist}, default {@code root,Administrator}. */
        public Set<String> userDenylist() {
            return csv(options.getOrDefault("user.denylist", "root,Administrator"));
        }

        /** True when {@code driver.allowlist}/{@code driver.denylist} let {@code driver} run. */
        public boolean driverEnabled(String driver) {
            String allow = options.get("driver.allowlist");
            if (allow != null && !allow.isBlank() && !csv(allow).contains(driver)) {
                return false;
            }
            String deny = options.get("driver.denylist");
            return deny == null || !csv(deny).contains(driver);
        }

        private static Set<String> csv(String v) {
            return Set.copyOf(List.of(v.split(",")).stream().map(String::trim).filter(s -> !s.isEmpty()).toList());
        }
    }

    /** {@code plugin "<name>" { config { ... } }}; values as literal Java objects (String, BigDecimal, Boolean, List, Map). */
    public record Plugin(String name, Map<String, Object> config) {
        public Plugin {
            config = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(config));
        }
    }
}
