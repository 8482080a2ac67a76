package dev.corral.driver.linux;

import dev.corral.driver.NamespaceMode;
import dev.corral.driver.RootfsMode;
import dev.corral.driver.SeccompProfile;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Set;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Typed builder of the {@code corral-sandbox run} and {@code enter} command lines: the only place Java
 * spells the sandbox's flags (see {@code sandbox/CONTRACT.md}). The subcommand comes first, then flags
 * in {@link SandboxFlag} order whatever order the setters were called in; repeatable flags keep their
 * call order. A flag appears iff it was given a value (even a default or empty one). The task
 * environment is not part of argv: it is the sandbox process's environment.
 */
public final class SandboxCommandLine {
    private static final Set<SandboxFlag> ENTER_FLAGS = EnumSet.of(SandboxFlag.PID, SandboxFlag.UID, SandboxFlag.GID,
            SandboxFlag.GROUPS, SandboxFlag.CAPS, SandboxFlag.SECCOMP, SandboxFlag.CGROUP, SandboxFlag.CWD, SandboxFlag.OOM_SCORE_ADJ);

    private static final Set<SandboxFlag> SPARE_FLAGS = EnumSet.of(SandboxFlag.SPARE_DIR, SandboxFlag.RO_BIND,
            SandboxFlag.ROOTFS, SandboxFlag.NO_PIVOT_ROOT, SandboxFlag.SECRETS_SIZE, SandboxFlag.SHM_SIZE);

    private final String subcommand;
    private final Map<SandboxFlag, List<List<String>>> values = new EnumMap<>(SandboxFlag.class);

    private SandboxCommandLine(String subcommand) {
        this.subcommand = subcommand;
    }

    /** {@code corral-sandbox run}: start a task. */
    public static SandboxCommandLine run() {
        return new SandboxCommandLine("run");
    }

    /** {@code corral-sandbox enter}: run a command inside a running task. */
    public static SandboxCommandLine enter() {
        return new SandboxCommandLine("enter");
    }

    /**
     * {@code corral-sandbox spare}: a sandbox prepared ahead of its task (namespaces and the
     * task-independent part of the root); the task's {@link #stream} goes to its stdin later.
     */
    public static SandboxCommandLine spare() {
        return new SandboxCommandLine("spare");
    }

    /** {@code --spare-dir} (spare): a new directory for the prepared root, on the task dirs' filesystem. */
    public SandboxCommandLine spareDir(Path p) { return set(SandboxFlag.SPARE_DIR, p.toString()); }

    /** {@code --pid} (enter): host pid of a process of the task. */
    public SandboxCommandLine pid(long hostPid) { return set(SandboxFlag.PID, Long.toString(hostPid)); }

    private SandboxCommandLine set(SandboxFlag flag, String... vals) {
        if (vals.length != flag.arity()) {
            throw new IllegalArgumentException(flag.flag() + " takes " + flag.arity() + " values");
        }
        values.put(flag, new ArrayList<>(List.of(List.of(vals))));
        return this;
    }

    private SandboxCommandLine add(SandboxFlag flag, String... vals) {
        values.computeIfAbsent(flag, f -> new ArrayList<>()).add(List.of(vals));
        return this;
    }

    /** {@code --task-dir}: host task directory, becomes {@code /} of the task. */
    public SandboxCommandLine taskDir(Path p) { return set(SandboxFlag.TASK_DIR, p.toString()); }
    /** {@code --alloc-dir}: host alloc dir, mounted rw at {@code /alloc}. */
    public SandboxCommandLine allocDir(Path p) { return set(SandboxFlag.ALLOC_DIR, p.toString()); }
    /** {@code --ro-bind SRC DST}: a chroot_env entry (repeatable, in order). */
    public SandboxCommandLine roBind(String hostPath, String taskPath) { return add(SandboxFlag.RO_BIND, hostPath, taskPath); }
    /** {@code --bind SRC DST}: a read-write host volume (repeatable, in order). */
    public SandboxCommandLine bind(String hostPath, String taskPath) { return add(SandboxFlag.BIND, hostPath, taskPath); }
    /** {@code --rootfs readonly|overlay}. */
    public SandboxCommandLine rootfs(RootfsMode m) { return set(SandboxFlag.ROOTFS, m.configName()); }
    /** {@code --hostname}. */
    public SandboxCommandLine hostname(String h) { return set(SandboxFlag.HOSTNAME, h); }
    /** {@code --pid-mode private|host}. */
    public SandboxCommandLine pidMode(NamespaceMode m) { return set(SandboxFlag.PID_MODE, m.configName()); }
    /** {@code --ipc-mode private|host}. */
    public SandboxCommandLine ipcMode(NamespaceMode m) { return set(SandboxFlag.IPC_MODE, m.configName()); }

    /** {@code --no-pivot-root} when {@code on}. */
    public SandboxCommandLine noPivotRoot(boolean on) {
        if (on) {
            set(SandboxFlag.NO_PIVOT_ROOT);
        } else {
            values.remove(SandboxFlag.NO_PIVOT_ROOT);
        }
        return this;
    }

    /** {@code --uid}. */
    public SandboxCommandLine uid(long uid) { return set(SandboxFlag.UID, Long.toString(uid)); }
    /** {@code --gid}. */
    public SandboxCommandLine gid(long gid) { return set(SandboxFlag.GID, Long.toString(gid)); }

    /** {@code --groups} comma-separated supplementary gids (may be empty). */
    public SandboxCommandLine groups(List<Long> gids) {
        return set(SandboxFlag.GROUPS, gids.stream().map(String::valueOf).collect(Collectors.joining(",")));
    }

    /** {@code --caps} comma-separated {@code CAP_X} names in the given order (may be empty = none). */
    public SandboxCommandLine caps(List<String> caps) {
        for (String c : caps) {
            if (!isCapName(c)) {
                throw new IllegalArgumentException("capability must be spelled CAP_X, got \"" + c + "\"");
            }
        }
        return set(SandboxFlag.CAPS, String.join(",", caps));
    }

    /**
     * {@code CAP_[A-Z_]+}, without a regex: String.matches compiled the pattern for each of a
     * task's capabilities, 0.05 ms of every start (bench/).
     */
    private static boolean isCapName(String c) {
        if (c.length() <= 4 || !c.startsWith("CAP_")) {
            return false;
        }
        for (int i = 4; i < c.length(); i++) {
            char ch = c.charAt(i);
            if ((ch < 'A' || ch > 'Z') && ch != '_') {
                return false;
            }
        }
        return true;
    }

    /** {@code --seccomp default|unconfined|PATH}: the task's syscall filter. */
    public SandboxCommandLine seccomp(SeccompProfile p) { return set(SandboxFlag.SECCOMP, p.configName()); }

    /** {@code --cgroup DIR}: a cgroup directory the task joins (repeatable). */
    public SandboxCommandLine cgroup(Path dir) { return add(SandboxFlag.CGROUP, dir.toString()); }
    /** {@code --cwd}: working directory inside the task root. */
    public SandboxCommandLine cwd(String p) { return set(SandboxFlag.CWD, p); }
    /** {@code --secrets-size} bytes of the secrets/private tmpfs. */
    public SandboxCommandLine secretsSize(long bytes) { return set(SandboxFlag.SECRETS_SIZE, Long.toString(bytes)); }
    /** {@code --shm-size} bytes of /dev/shm. */
    public SandboxCommandLine shmSize(long bytes) { return set(SandboxFlag.SHM_SIZE, Long.toString(bytes)); }
    /** {@code --oom-score-adj}. */
    public SandboxCommandLine oomScoreAdj(int v) { return set(SandboxFlag.OOM_SCORE_ADJ, Integer.toString(v)); }

    /** {@code --log-dir DIR --log-name NAME --log-max-files N --log-max-bytes N}: rotated log files. */
    public SandboxCommandLine logFiles(Path dir, String name, int maxFiles, long maxBytes) {
        values.remove(SandboxFlag.STDOUT);
        values.remove(SandboxFlag.STDERR);
        set(SandboxFlag.LOG_DIR, dir.toString());
        set(SandboxFlag.LOG_NAME, name);
        set(SandboxFlag.LOG_MAX_FILES, Integer.toString(maxFiles));
        return set(SandboxFlag.LOG_MAX_BYTES, Long.toString(maxBytes));
    }

    /** {@code --stdout PATH --stderr PATH}: files or FIFOs opened for append (plugin mode). */
    public SandboxCommandLine outputs(Path stdout, Path stderr) {
        for (SandboxFlag f : List.of(SandboxFlag.LOG_DIR, SandboxFlag.LOG_NAME, SandboxFlag.LOG_MAX_FILES,
                SandboxFlag.LOG_MAX_BYTES)) {
            values.remove(f);
        }
        set(SandboxFlag.STDOUT, stdout.toString());
        return set(SandboxFlag.STDERR, stderr.toString());
    }

    /** {@code --status-file}: host path of the status file. */
    public SandboxCommandLine statusFile(Path p) { return set(SandboxFlag.STATUS_FILE, p.toString()); }

    /**
     * {@code --exit-after-start}: the helper's init becomes the caller's child and the helper exits once
     * the start is on record, so only the init stays resident.
     */
    public SandboxCommandLine exitAfterStart(boolean on) {
        if (on) {
            set(SandboxFlag.EXIT_AFTER_START);
        } else {
            values.remove(SandboxFlag.EXIT_AFTER_START);
        }
        return this;
    }

    /** {@code --sandbox-log}: the file the helper's own stdout and stderr append to. */
    public SandboxCommandLine sandboxLog(Path p) { return set(SandboxFlag.SANDBOX_LOG, p.toString()); }

    /**
     * The arguments after the binary: the subcommand, flags in canonical order, {@code --}, the command.
     *
     * @param command argv[0] (for run: an absolute path inside the task root) and the arguments
     * @throws IllegalStateException when a required flag is missing or a flag does not fit the subcommand
     */
    public List<String> build(List<String> command) {
        if (subcommand.equals("spare")) {
            require(SandboxFlag.SPARE_DIR);
            only(SPARE_FLAGS);
            if (!command.isEmpty()) {
                throw new IllegalStateException("spare takes no command: the task's comes with its stream");
            }
            return List.copyOf(flags());
        }
        if (subcommand.equals("run")) {
            require(SandboxFlag.TASK_DIR);
            require(SandboxFlag.STATUS_FILE);
            if (values.containsKey(SandboxFlag.PID) || values.containsKey(SandboxFlag.SPARE_DIR)) {
                throw new IllegalStateException("--pid is only for enter, --spare-dir only for spare");
            }
        } else {
            require(SandboxFlag.PID);
            only(ENTER_FLAGS);
        }
        if (command.isEmpty()) {
            throw new IllegalStateException("the command must not be empty");
        }
        List<String> argv = flags();
        argv.add("--");
        argv.addAll(command);
        return List.copyOf(argv);
    }

    /** The subcommand and the flags in canonical (table) order. */
    private List<String> flags() {
        List<String> argv = new ArrayList<>();
        argv.add(subcommand);
        for (SandboxFlag flag : SandboxFlag.values()) {
            for (List<String> vals : values.getOrDefault(flag, List.of())) {
                argv.add(flag.flag());
                argv.addAll(vals);
            }
        }
        return argv;
    }

    private void only(Set<SandboxFlag> allowed) {
        for (SandboxFlag f : values.keySet()) {
            if (!allowed.contains(f)) {
                throw new IllegalStateException(f.flag() + " is not a flag of " + subcommand);
            }
        }
    }

    private void require(SandboxFlag f) {
        if (!values.containsKey(f)) {
            throw new IllegalStateException(f.flag() + " is required for " + subcommand);
        }
    }

    /**
     * What {@code corral-sandbox run @-} reads on stdin: each {@code KEY=VALUE} of the task's
     * environment, an empty entry, then {@link #build} without the subcommand; every entry ends with
     * a NUL byte.
     *
     * @throws IllegalArgumentException a NUL byte anywhere, an empty or '='-containing variable name
     */
    public byte[] stream(Map<String, String> env, List<String> command) {
        if (!subcommand.equals("run")) {
            throw new IllegalStateException("only run reads its arguments from stdin");
        }
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(4096);
        environment(out, env);
        List<String> argv = build(command);
        for (String a : argv.subList(1, argv.size())) {
            entry(out, a);
        }
        return out.toByteArray();
    }

    /**
     * The flags of a staged start's second part (sandbox/CONTRACT.md, spare): who the task runs as
     * and how, the only flags the sandbox accepts after the root part (--seccomp goes with the root
     * part: the task's process loads the filter while the root is built).
     */
    private static final Set<SandboxFlag> IDENTITY_FLAGS = EnumSet.of(SandboxFlag.UID, SandboxFlag.GID,
            SandboxFlag.GROUPS, SandboxFlag.CAPS, SandboxFlag.CWD, SandboxFlag.OOM_SCORE_ADJ);
    private static final String ROOT_PART = "@root";
    private static final String ROOT_END = "@end";
    private static final byte[] ROOT_PART_HEAD = (ROOT_PART + "\0").getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    /** The first entry of every {@link #rootPart}, NUL included: what a spare is woken with. */
    public static byte[] rootPartHead() {
        return ROOT_PART_HEAD.clone();
    }

    /**
     * A staged start's root part for a spare: {@code @root}, every flag but the task's identity
     * (so the spare can open its state, cgroups and outputs meanwhile), {@code @end}; NUL after each.
     */
    public byte[] rootPart() {
        if (!subcommand.equals("run")) {
            throw new IllegalStateException("only run has a root part");
        }
        require(SandboxFlag.TASK_DIR);
        require(SandboxFlag.STATUS_FILE);
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(2048);
        entry(out, ROOT_PART);
        for (SandboxFlag flag : SandboxFlag.values()) {
            if (IDENTITY_FLAGS.contains(flag)) {
                continue;
            }
            for (List<String> vals : values.getOrDefault(flag, List.of())) {
                entry(out, flag.flag());
                for (String v : vals) {
                    if (v.equals(ROOT_END)) {
                        throw new IllegalArgumentException(flag.flag() + " cannot be \"" + ROOT_END + "\"");
                    }
                    entry(out, v);
                }
            }
        }
        entry(out, ROOT_END);
        return out.toByteArray();
    }

    /**
     * The rest of a staged start after {@link #rootPart}: the environment as in {@link #stream},
     * then only the identity flags, {@code --} and the command.
     *
     * @throws IllegalArgumentException as {@link #stream}
     */
    public byte[] identityPart(Map<String, String> env, List<String> command) {
        if (command.isEmpty()) {
            throw new IllegalStateException("the command must not be empty");
        }
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(4096);
        environment(out, env);
        for (SandboxFlag flag : SandboxFlag.values()) {
            if (!IDENTITY_FLAGS.contains(flag)) {
                continue;
            }
            for (List<String> vals : values.getOrDefault(flag, List.of())) {
                entry(out, flag.flag());
                vals.forEach(v -> entry(out, v));
            }
        }
        entry(out, "--");
        command.forEach(a -> entry(out, a));
        return out.toByteArray();
    }

    private static void environment(java.io.ByteArrayOutputStream out, Map<String, String> env) {
        for (Map.Entry<String, String> e : env.entrySet()) {
            if (e.getKey().isEmpty() || e.getKey().indexOf('=') >= 0) {
                throw new IllegalArgumentException("invalid environment variable name \"" + e.getKey() + "\"");
            }
            entry(out, e.getKey() + "=" + e.getValue());
        }
        out.write(0);
    }

    private static void entry(java.io.ByteArrayOutputStream out, String s) {
        if (s.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("a NUL byte cannot be passed to the sandbox: \"" + s.replace("\0", "\\0") + "\"");
        }
        out.writeBytes(s.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        out.write(0);
    }

    /** The full command: {@code <binary> <build(command)>}. */
    public List<String> commandLine(Path binary, List<String> command) {
        List<String> all = new ArrayList<>();
        all.add(binary.toString());
        all.addAll(build(command));
        return all;
    }
}
