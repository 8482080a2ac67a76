package dev.corral.driver.linux;

import dev.corral.driver.DriverException.UserException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Resolves a task's {@code user} ({@code name}, {@code uid}, {@code name:group}, {@code uid:gid}) in the
 * task root's {@code /etc/passwd} and {@code /etc/group}, as runc does for Nomad, so the sandbox only
 * gets numbers. Differences from runc: a numeric uid without a passwd entry gets the gid of the same
 * number (runc gives gid 0, the root group).
 */
public final class UserResolver {
    private final List<PasswdEntry> passwd;
    private final List<GroupEntry> groups;

    /**
     * @param passwdText contents of the task's /etc/passwd ("" when it has none)
     * @param groupText  contents of the task's /etc/group ("" when it has none)
     */
    public UserResolver(String passwdText, String groupText) {
        this.passwd = parsePasswd(passwdText);
        this.groups = parseGroup(groupText);
        this.passwdText = passwdText;
        this.groupText = groupText;
    }

    private final String passwdText;
    private final String groupText;

    /** The /etc/passwd text this resolver was made from. */
    public String passwdText() {
        return passwdText;
    }

    /** The /etc/group text this resolver was made from. */
    public String groupText() {
        return groupText;
    }

    /** One line of /etc/passwd. */
    public record PasswdEntry(String name, long uid, long gid, String home) {
    }

    /** One line of /etc/group. */
    public record GroupEntry(String name, long gid, List<String> members) {
    }

    /**
     * The user the task runs as.
     *
     * @param name   the login name (or the number as text when the passwd has no entry)
     * @param uid    numeric uid
     * @param gid    primary gid
     * @param groups supplementary gids (from /etc/group membership), without the primary gid
     * @param home   home directory inside the task ({@code /} when unknown)
     */
    public record ResolvedUser(String name, long uid, long gid, List<Long> groups, String home) {
        public ResolvedUser {
            groups = List.copyOf(groups);
        }
    }

    /**
     * @param spec the task's user; {@code ""} means {@code nobody}
     * @param denylist users refused (by name; {@code root} also refuses uid 0 by number)
     * @throws UserException when not found or denied, with what to do
     */
    public ResolvedUser resolve(String spec, Set<String> denylist) {
        String s = spec.isBlank() ? "nobody" : spec.trim();
        String userPart = s;
        String groupPart = null;
        int colon = s.indexOf(':');
        if (colon >= 0) {
            userPart = s.substring(0, colon);
            groupPart = s.substring(colon + 1);
            if (userPart.isEmpty() || groupPart.isEmpty()) {
                throw new UserException("user \"" + spec + "\" is malformed: use name, uid, name:group or uid:gid");
            }
        }
        PasswdEntry entry;
        if (isNumber(userPart)) {
            long uid = Long.parseLong(userPart);
            entry = passwd.stream().filter(p -> p.uid == uid).findFirst()
                    .orElse(new PasswdEntry(userPart, uid, uid, "/"));
        } else {
            String n = userPart;
            entry = passwd.stream().filter(p -> p.name.equals(n)).findFirst()
                    .orElseThrow(() -> new UserException("unable to find user " + n
                            + ": no matching entries in passwd file (the task's /etc/passwd comes from chroot_env;"
                            + " use a numeric uid or a user that exists there)"));
        }
        if (denylist.contains(entry.name) || denylist.contains(userPart)
                || (denylist.contains("root") && entry.uid == 0)) {
            throw new UserException("running as user \"" + spec + "\" (uid " + entry.uid
                    + ") is disallowed by the driver's user denylist; pick another user in the task's \"user\"");
        }
        long gid = entry.gid;
        if (groupPart != null) {
            if (isNumber(groupPart)) {
                gid = Long.parseLong(groupPart);
            } else {
                String g = groupPart;
                gid = groups.stream().filter(e -> e.name.equals(g)).findFirst()
                        .orElseThrow(() -> new UserException("unable to find group " + g
                                + ": no matching entries in group file"))
                        .gid;
            }
        }
        Set<Long> supplementary = new LinkedHashSet<>();
        for (GroupEntry g : groups) {
            if (g.members.contains(entry.name) && g.gid != gid) {
                supplementary.add(g.gid);
            }
        }
        return new ResolvedUser(entry.name, entry.uid, gid, new ArrayList<>(supplementary),
                entry.home.isEmpty() ? "/" : entry.home);
    }

    /** An entry by name, for tests and tools. */
    public Optional<PasswdEntry> byName(String name) {
        return passwd.stream().filter(p -> p.name.equals(name)).findFirst();
    }

    private static boolean isNumber(String s) {
        return !s.isEmpty() && s.chars().allMatch(Character::isDigit) && s.length() < 11;
    }

    static List<PasswdEntry> parsePasswd(String text) {
        List<PasswdEntry> out = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String[] f = line.split(":", -1);
            if (f.length < 7 || !isNumber(f[2]) || !isNumber(f[3])) {
                continue; // a broken line is skipped, as libc does
            }
            out.add(new PasswdEntry(f[0], Long.parseLong(f[2]), Long.parseLong(f[3]), f[5]));
        }
        return out;
    }

    static List<GroupEntry> parseGroup(String text) {
        List<GroupEntry> out = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String[] f = line.split(":", -1);
            if (f.length < 4 || !isNumber(f[2])) {
                continue;
            }
            List<String> members = f[3].isEmpty() ? List.of() : List.of(f[3].split(","));
            out.add(new GroupEntry(f[0], Long.parseLong(f[2]), members.stream().map(String::trim).toList()));
        }
        return out;
    }
}
