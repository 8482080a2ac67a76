package dev.corral.agent.artifact;

/**
 * The user a task runs as, already resolved to numbers by the caller (Corral resolves names in the
 * task's chroot, never with the host's NSS). Used when an artifact asks for {@code chown = true}.
 *
 * @param name the user name, for messages only
 * @param uid numeric user id
 * @param gid numeric primary group id
 */
public record TaskUser(String name, int uid, int gid) {
    public TaskUser {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("task user name must not be empty");
        }
        if (uid < 0 || gid < 0) {
            throw new IllegalArgumentException("task user " + name + " has negative uid/gid " + uid + "/" + gid);
        }
    }

    /** True for uid 0, which can write anything it is handed, including shared cache files. */
    public boolean isRoot() {
        return uid == 0;
    }
}
