package dev.corral.driver;

import dev.corral.driver.DriverException.InvalidDriverConfigException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The exec driver's plugin configuration ({@code plugin "exec" { config { ... } }} in Nomad, plus
 * Corral's own keys). Build it with {@link #builder()}; every default is resolved in the builder,
 * and {@link #validate()} checks the whole thing with messages naming the key.
 *
 * @param noPivotRoot     {@code no_pivot_root}: chroot after MS_MOVE instead of pivot_root (for ramdisk roots)
 * @param defaultPidMode  {@code default_pid_mode}, used when a task sets no {@code pid_mode}
 * @param defaultIpcMode  {@code default_ipc_mode}, used when a task sets no {@code ipc_mode}
 * @param allowCaps       {@code allow_caps}: capability names a task may hold ({@code "all"} allowed)
 * @param pidsLimit       {@code pids_limit}: max processes per task (cgroup pids controller); 0 = unlimited
 * @param rootfs          {@code rootfs}: read-only binds or a private overlay
 * @param chrootEnv       {@code chroot_env}: host path -> path inside the task, in mount order
 * @param stateDir        where the driver keeps status files and the extracted sandbox binary
 * @param sandboxBinary   an explicit {@code corral-sandbox} to run instead of the one in the jar (development)
 * @param cgroupParent    name of the parent cgroup under each hierarchy (e.g. {@code corral})
 * @param maxKillTimeout  {@code max_kill_timeout}: cap on a task's kill timeout
 * @param userDenylist    users a task may not run as ({@code user.denylist}, default {@code root})
 * @param seccomp         {@code seccomp}: the syscall filter of every task ({@code "default"}, {@code "unconfined"} or a deny-list path)
 * @param spareSandboxes  Corral only, not a plugin key: spare sandboxes kept prepared ahead of need (namespaces and
 *                        the task-independent part of the root, under {@code <stateDir>/spares}), and as many empty
 *                        task cgroups made ahead on cgroup v1, so that a start creates none of them (default 2; 0
 *                        for a one-shot use such as {@code corral run}, where they would only be made after the one
 *                        start and never used)
 */
public record ExecDriverConfig(
        boolean noPivotRoot,
        NamespaceMode defaultPidMode,
        NamespaceMode defaultIpcMode,
        List<String> allowCaps,
        int pidsLimit,
        RootfsMode rootfs,
        Map<String, String> chrootEnv,
        Path stateDir,
        Optional<Path> sandboxBinary,
        String cgroupParent,
        Duration maxKillTimeout,
        Set<String> userDenylist,
        SeccompProfile seccomp,
        int spareSandboxes) {

    /** Nomad's default {@code allow_caps}: Docker's default set minus NET_RAW. */
    public static final List<String> DEFAULT_ALLOW_CAPS = List.of(
            "audit_write", "chown", "dac_override", "fowner", "fsetid", "kill", "mknod",
            "net_bind_service", "setfcap", "setgid", "setpcap", "setuid", "sys_chroot");

    /** Nomad's default {@code chroot_env} map (host path -> task path), in order. */
    public static final Map<String, String> DEFAULT_CHROOT_ENV = defaultChrootEnv();

    /** Default {@link #spareSandboxes}. */
    public static final int DEFAULT_SPARE_SANDBOXES = 2;

    /** Default {@code pids_limit}. */
    public static final int DEFAULT_PIDS_LIMIT = 4096;

    /** System property that overrides the sandbox binary path (development). */
    public static final String SANDBOX_BINARY_PROPERTY = "corral.sandbox.binary";

    public ExecDriverConfig {
        Objects.requireNonNull(defaultPidMode, "defaultPidMode");
        Objects.requireNonNull(defaultIpcMode, "defaultIpcMode");
        Objects.requireNonNull(rootfs, "rootfs");
        Objects.requireNonNull(stateDir, "stateDir");
        Objects.requireNonNull(cgroupParent, "cgroupParent");
        Objects.requireNonNull(maxKillTimeout, "maxKillTimeout");
        Objects.requireNonNull(seccomp, "seccomp");
        allowCaps = List.copyOf(allowCaps);
        chrootEnv = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(chrootEnv));
        sandboxBinary = sandboxBinary == null ? Optional.empty() : sandboxBinary;
        userDenylist = Set.copyOf(userDenylist);
    }

    private static Map<String, String> defaultChrootEnv() {
        var m = new LinkedHashMap<String, String>();
        for (String p : List.of("/bin", "/etc", "/lib", "/lib32", "/lib64", "/run/resolvconf", "/sbin", "/usr",
                "/run/systemd/resolve")) {
            m.put(p, p);
        }
        return java.util.Collections.unmodifiableMap(m);
    }

    /**
     * Checks every key and throws one exception listing every problem.
     *
     * @throws InvalidDriverConfigException naming each bad key
     */
    public ExecDriverConfig validate() {
        List<String> problems = new ArrayList<>();
        for (ExecConfigKey k : ExecConfigKey.values()) {
            problems.addAll(k.problems(this));
        }
        if (maxKillTimeout.isNegative()) {
            problems.add("max_kill_timeout must not be negative, got " + maxKillTimeout);
        }
        if (spareSandboxes < 0 || spareSandboxes > 16) {
            problems.add("spare sandboxes must be between 0 and 16, got " + spareSandboxes);
        }
        if (!problems.isEmpty()) {
            throw new InvalidDriverConfigException(String.join("; ", problems));
        }
        return this;
    }

    /**
     * The config a decoded {@code config} block describes: each entry of {@code values} (key ->
     * {@code Boolean}, {@code String}, {@code Number}, list or map of strings; see
     * {@link ExecConfigKey#apply}) is set on {@code base}, which carries the embedder's own
     * settings (state dir, kill timeout, ...), then the result is validated.
     *
     * @throws InvalidDriverConfigException listing every unknown key and bad value
     */
    public static ExecDriverConfig fromKeys(Map<String, ?> values, Builder base) {
        List<String> problems = new ArrayList<>();
        values.forEach((key, raw) -> ExecConfigKey.of(key).ifPresentOrElse(k -> {
            try {
                k.apply(base, raw);
            } catch (InvalidDriverConfigException e) {
                problems.add(e.detail());
            }
        }, () -> problems.add("unknown key " + key + "; valid keys: "
                + java.util.Arrays.stream(ExecConfigKey.values()).map(ExecConfigKey::key).toList())));
        if (!problems.isEmpty()) {
            throw new InvalidDriverConfigException(String.join("; ", problems));
        }
        return base.build().validate();
    }

    /** {@link #fromKeys(Map, Builder)} over the defaults. */
    public static ExecDriverConfig fromKeys(Map<String, ?> values) {
        return fromKeys(values, builder());
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Mutable builder holding Nomad's and Corral's defaults. */
    public static final class Builder {
        private boolean noPivotRoot = false;
        private NamespaceMode defaultPidMode = NamespaceMode.PRIVATE;
        private NamespaceMode defaultIpcMode = NamespaceMode.PRIVATE;
        private List<String> allowCaps = DEFAULT_ALLOW_CAPS;
        private int pidsLimit = DEFAULT_PIDS_LIMIT;
        private RootfsMode rootfs = RootfsMode.READONLY;
        private Map<String, String> chrootEnv = DEFAULT_CHROOT_ENV;
        private Path stateDir = Path.of("/var/lib/corral/driver");
        private Optional<Path> sandboxBinary = Optional.ofNullable(System.getProperty(SANDBOX_BINARY_PROPERTY)).map(Path::of);
        private String cgroupParent = "corral";
        private Duration maxKillTimeout = Duration.ofSeconds(30);
        private Set<String> userDenylist = Set.of("root");
        private SeccompProfile seccomp = SeccompProfile.DEFAULT;
        private int spareSandboxes = DEFAULT_SPARE_SANDBOXES;

        private Builder() {
        }

        public Builder noPivotRoot(boolean v) { this.noPivotRoot = v; return this; }
        public Builder defaultPidMode(NamespaceMode v) { this.defaultPidMode = v; return this; }
        /** @throws InvalidDriverConfigException {@code default_pid_mode must be "private" or "host", got "x"} */
        public Builder defaultPidMode(String v) { this.defaultPidMode = parseMode("default_pid_mode", v); return this; }
        public Builder defaultIpcMode(NamespaceMode v) { this.defaultIpcMode = v; return this; }
        /** @throws InvalidDriverConfigException {@code default_ipc_mode must be "private" or "host", got "x"} */
        public Builder defaultIpcMode(String v) { this.defaultIpcMode = parseMode("default_ipc_mode", v); return this; }
        public Builder allowCaps(List<String> v) { this.allowCaps = v; return this; }
        public Builder pidsLimit(int v) { this.pidsLimit = v; return this; }
        public Builder rootfs(RootfsMode v) { this.rootfs = v; return this; }
        /** @throws InvalidDriverConfigException {@code rootfs must be "readonly" or "overlay", got "x"} */
        public Builder rootfs(String v) {
            try {
                this.rootfs = RootfsMode.parse("rootfs", v);
            } catch (IllegalArgumentException e) {
                throw new InvalidDriverConfigException(e.getMessage());
            }
            return this;
        }
        /** An empty map means Nomad's default map, as in Nomad's client config. */
        public Builder chrootEnv(Map<String, String> v) { this.chrootEnv = v.isEmpty() ? DEFAULT_CHROOT_ENV : v; return this; }
        public Builder stateDir(Path v) { this.stateDir = v; return this; }
        public Builder sandboxBinary(Path v) { this.sandboxBinary = Optional.ofNullable(v); return this; }
        public Builder cgroupParent(String v) { this.cgroupParent = v; return this; }
        public Builder maxKillTimeout(Duration v) { this.maxKillTimeout = v; return this; }
        public Builder userDenylist(Set<String> v) { this.userDenylist = v; return this; }
        public Builder seccomp(SeccompProfile v) { this.seccomp = v; return this; }
        public Builder spareSandboxes(int v) { this.spareSandboxes = v; return this; }
        /** @throws InvalidDriverConfigException {@code seccomp must be "default", "unconfined" or an absolute path ...} */
        public Builder seccomp(String v) {
            try {
                this.seccomp = SeccompProfile.parse("seccomp", v);
            } catch (IllegalArgumentException e) {
                throw new InvalidDriverConfigException(e.getMessage());
            }
            return this;
        }

        public ExecDriverConfig build() {
            return new ExecDriverConfig(noPivotRoot, defaultPidMode, defaultIpcMode, allowCaps, pidsLimit, rootfs,
                    chrootEnv, stateDir, sandboxBinary, cgroupParent, maxKillTimeout, userDenylist, seccomp, spareSandboxes);
        }

        private static NamespaceMode parseMode(String field, String v) {
            try {
                return NamespaceMode.parse(field, v);
            } catch (IllegalArgumentException e) {
                throw new InvalidDriverConfigException(e.getMessage());
            }
        }
    }
}
