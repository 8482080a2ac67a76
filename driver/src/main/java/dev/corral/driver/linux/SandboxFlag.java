package dev.corral.driver.linux;

/**
 * The {@code corral-sandbox run}, {@code enter} and {@code spare} flag table: one constant per flag, in the canonical argv order (the
 * C side has the same table in {@code options.c}; both are checked against the golden argv files).
 */
public enum SandboxFlag {
    PID("--pid", 1),
    SPARE_DIR("--spare-dir", 1),
    TASK_DIR("--task-dir", 1),
    ALLOC_DIR("--alloc-dir", 1),
    RO_BIND("--ro-bind", 2),
    BIND("--bind", 2),
    ROOTFS("--rootfs", 1),
    HOSTNAME("--hostname", 1),
    PID_MODE("--pid-mode", 1),
    IPC_MODE("--ipc-mode", 1),
    NO_PIVOT_ROOT("--no-pivot-root", 0),
    UID("--uid", 1),
    GID("--gid", 1),
    GROUPS("--groups", 1),
    CAPS("--caps", 1),
    SECCOMP("--seccomp", 1),
    CGROUP("--cgroup", 1),
    CWD("--cwd", 1),
    SECRETS_SIZE("--secrets-size", 1),
    SHM_SIZE("--shm-size", 1),
    OOM_SCORE_ADJ("--oom-score-adj", 1),
    LOG_DIR("--log-dir", 1),
    LOG_NAME("--log-name", 1),
    LOG_MAX_FILES("--log-max-files", 1),
    LOG_MAX_BYTES("--log-max-bytes", 1),
    STDOUT("--stdout", 1),
    STDERR("--stderr", 1),
    STATUS_FILE("--status-file", 1),
    SANDBOX_LOG("--sandbox-log", 1),
    EXIT_AFTER_START("--exit-after-start", 0);

    private final String flag;
    private final int arity;

    SandboxFlag(String flag, int arity) {
        this.flag = flag;
        this.arity = arity;
    }

    public String flag() {
        return flag;
    }

    /** Number of values after the flag. */
    public int arity() {
        return arity;
    }
}
