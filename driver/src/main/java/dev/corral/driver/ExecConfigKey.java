package dev.corral.driver;

import dev.corral.driver.DriverException.InvalidDriverConfigException;
import dev.corral.driver.linux.Capabilities;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The keys of the exec driver's plugin config, written once: the standalone agent's
 * {@code plugin "exec" { config { ... } }} parser, the Nomad plugin's hclspec schema and its
 * decoder all read this table, and {@link ExecDriverConfig#fromKeys} applies it.
 * Each key knows its value type, its default as Nomad should see it, whether the standalone
 * agent accepts it, how to set it on a builder and what a valid value is.
 */
public enum ExecConfigKey {
    NO_PIVOT_ROOT("no_pivot_root", ValueType.BOOL, true, false),
    DEFAULT_PID_MODE("default_pid_mode", ValueType.STRING, true, NamespaceMode.PRIVATE.configName()),
    DEFAULT_IPC_MODE("default_ipc_mode", ValueType.STRING, true, NamespaceMode.PRIVATE.configName()),
    ALLOW_CAPS("allow_caps", ValueType.STRING_LIST, true, ExecDriverConfig.DEFAULT_ALLOW_CAPS),
    PIDS_LIMIT("pids_limit", ValueType.INTEGER, true, (long) ExecDriverConfig.DEFAULT_PIDS_LIMIT),
    ROOTFS("rootfs", ValueType.STRING, true, RootfsMode.READONLY.configName()),
    /** The agent takes this from {@code client.chroot_env}, as Nomad does; a plugin has no client block. */
    CHROOT_ENV("chroot_env", ValueType.STRING_MAP, false, null),
    /** The agent derives this from {@code data_dir}. */
    STATE_DIR("state_dir", ValueType.STRING, false, null),
    SANDBOX_BINARY("sandbox_binary", ValueType.STRING, false, null),
    CGROUP_PARENT("cgroup_parent", ValueType.STRING, true, null),
    SECCOMP("seccomp", ValueType.STRING, true, SeccompProfile.DEFAULT.configName());

    /** The value types a key can have (cty's names: {@code bool}, {@code string}, {@code number}, ...). */
    public enum ValueType { BOOL, STRING, INTEGER, STRING_LIST, STRING_MAP }

    private final String key;
    private final ValueType type;
    private final boolean agent;
    private final Object schemaDefault;

    ExecConfigKey(String key, ValueType type, boolean agent, Object schemaDefault) {
        this.key = key;
        this.type = type;
        this.agent = agent;
        this.schemaDefault = schemaDefault;
    }

    /** The HCL attribute name. */
    public String key() {
        return key;
    }

    public ValueType type() {
        return type;
    }

    /** Whether the standalone agent's {@code plugin "exec"} block accepts this key (every key is a plugin key). */
    public boolean agentKey() {
        return agent;
    }

    /**
     * The default Nomad fills in when the key is absent ({@code Boolean}, {@code String}, {@code Long} or
     * {@code List<String>}), or empty when absence means the driver's own default.
     */
    public Optional<Object> schemaDefault() {
        return Optional.ofNullable(schemaDefault);
    }

    /** The key named {@code key}, or empty. */
    public static Optional<ExecConfigKey> of(String key) {
        return Arrays.stream(values()).filter(k -> k.key.equals(key)).findFirst();
    }

    /** The keys the standalone agent accepts, in table order. */
    public static List<ExecConfigKey> agentKeys() {
        return Arrays.stream(values()).filter(ExecConfigKey::agentKey).toList();
    }

    /**
     * Every problem with {@code raw} as this key's value: its type, its spelling, and the checks
     * {@link ExecDriverConfig#validate()} makes on the field. Empty when the value is good.
     */
    public List<String> check(Object raw) {
        ExecDriverConfig.Builder b = ExecDriverConfig.builder();
        try {
            apply(b, raw);
        } catch (InvalidDriverConfigException e) {
            return List.of(e.detail());
        }
        return problems(b.build());
    }

    /**
     * Sets this key on {@code b} from a decoded config value: {@code Boolean}, {@code String},
     * any {@code Number}, a {@code List} of strings, a {@code Map} of strings. Numbers and bools
     * are accepted where a string is expected and numeric or boolean strings where those are,
     * as cty converts them.
     *
     * @throws InvalidDriverConfigException a value of the wrong type or spelling, naming the key
     */
    public void apply(ExecDriverConfig.Builder b, Object raw) {
        switch (this) {
            case NO_PIVOT_ROOT -> b.noPivotRoot(bool(raw));
            case DEFAULT_PID_MODE -> b.defaultPidMode(string(raw));
            case DEFAULT_IPC_MODE -> b.defaultIpcMode(string(raw));
            case ALLOW_CAPS -> b.allowCaps(stringList(raw));
            case PIDS_LIMIT -> b.pidsLimit(int32(raw));
            case ROOTFS -> b.rootfs(string(raw));
            case CHROOT_ENV -> b.chrootEnv(stringMap(raw));
            case STATE_DIR -> b.stateDir(Path.of(string(raw)));
            case SANDBOX_BINARY -> b.sandboxBinary(Path.of(string(raw)));
            case CGROUP_PARENT -> b.cgroupParent(string(raw));
            case SECCOMP -> b.seccomp(string(raw));
        }
    }

    /** What is wrong with this key's field of {@code c}; each message starts with the key. */
    List<String> problems(ExecDriverConfig c) {
        List<String> out = new ArrayList<>();
        switch (this) {
            case ALLOW_CAPS -> {
                List<String> unsupported = Capabilities.unsupported(c.allowCaps());
                if (!unsupported.isEmpty()) {
                    out.add("allow_caps configured with capabilities not supported by system: "
                            + String.join(", ", unsupported));
                }
            }
            case PIDS_LIMIT -> {
                if (c.pidsLimit() < 0) {
                    out.add("pids_limit must be 0 (unlimited) or positive, got " + c.pidsLimit());
                }
            }
            case CHROOT_ENV -> c.chrootEnv().forEach((host, task) -> {
                if (!host.startsWith("/")) {
                    out.add("chroot_env source \"" + host + "\" must be an absolute host path");
                }
                if (!task.startsWith("/")) {
                    out.add("chroot_env destination \"" + task + "\" (for \"" + host
                            + "\") must be an absolute path inside the task");
                }
                Path t = Path.of(task).normalize();
                if (task.equals("/") || t.startsWith("/alloc") || t.startsWith("/local") || t.startsWith("/secrets")) {
                    out.add("chroot_env destination \"" + task + "\" would hide the task layout (/, /alloc, /local, /secrets)");
                }
            });
            case STATE_DIR -> {
                if (!c.stateDir().isAbsolute()) {
                    out.add("state_dir must be an absolute path, got \"" + c.stateDir() + "\"");
                }
            }
            case SANDBOX_BINARY -> c.sandboxBinary().ifPresent(p -> {
                if (!p.isAbsolute()) {
                    out.add("sandbox_binary must be an absolute path, got \"" + p + "\"");
                }
            });
            case CGROUP_PARENT -> {
                String p = c.cgroupParent();
                if (p.isEmpty() || p.contains("..") || p.startsWith("/")) {
                    out.add("cgroup_parent must be a relative cgroup name like \"corral\", got \"" + p + "\"");
                }
            }
            case SECCOMP -> {
                if (c.seccomp() instanceof SeccompProfile.DenyList(Path file) && !Files.isReadable(file)) {
                    out.add("seccomp file \"" + file + "\" does not exist or is not readable");
                }
            }
            case NO_PIVOT_ROOT, DEFAULT_PID_MODE, DEFAULT_IPC_MODE, ROOTFS -> {
                // the type and the spelling are all there is, checked when set
            }
        }
        return out;
    }

    private InvalidDriverConfigException wrongType(String expected, Object raw) {
        String got = raw instanceof String s ? "\"" + s + "\"" : raw instanceof List<?> ? "a list"
                : raw instanceof Map<?, ?> ? "a map" : String.valueOf(raw);
        return new InvalidDriverConfigException(key + " must be " + expected + ", got " + got);
    }

    private boolean bool(Object raw) {
        return switch (raw) {
            case Boolean b -> b;
            case String s when s.equals("true") || s.equals("false") -> Boolean.parseBoolean(s);
            default -> throw wrongType("a bool (true or false)", raw);
        };
    }

    private String string(Object raw) {
        return switch (raw) {
            case String s -> s;
            case BigDecimal n -> n.toPlainString();
            case Number n -> n.toString();
            case Boolean b -> b.toString();
            default -> throw wrongType("a string", raw);
        };
    }

    private int int32(Object raw) {
        try {
            BigDecimal n = switch (raw) {
                case BigDecimal d -> d;
                case Long l -> BigDecimal.valueOf(l);
                case Integer i -> BigDecimal.valueOf(i);
                case String s -> new BigDecimal(s.trim());
                default -> throw wrongType("a whole number", raw);
            };
            return n.intValueExact();
        } catch (NumberFormatException | ArithmeticException e) {
            throw wrongType("a whole number of at most " + Integer.MAX_VALUE + " (0 for unlimited)", raw);
        }
    }

    private List<String> stringList(Object raw) {
        if (!(raw instanceof List<?> l)) {
            throw wrongType("a list of strings", raw);
        }
        List<String> out = new ArrayList<>(l.size());
        for (Object x : l) {
            if (x instanceof List<?> || x instanceof Map<?, ?> || x == null) {
                throw wrongType("a list of strings", raw);
            }
            out.add(string(x));
        }
        return out;
    }

    private Map<String, String> stringMap(Object raw) {
        if (!(raw instanceof Map<?, ?> m)) {
            throw wrongType("a map of strings", raw);
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (var e : m.entrySet()) {
            if (e.getValue() instanceof List<?> || e.getValue() instanceof Map<?, ?> || e.getValue() == null) {
                throw wrongType("a map of strings", raw);
            }
            out.put(String.valueOf(e.getKey()), string(e.getValue()));
        }
        return out;
    }
}
