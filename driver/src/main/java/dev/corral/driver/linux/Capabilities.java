package dev.corral.driver.linux;

import dev.corral.driver.DriverException.CapabilityNotAllowedException;
import dev.corral.driver.DriverException.InvalidTaskConfigException;
import dev.corral.driver.ExecDriverConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * Linux capability names and the per-task capability computation (Nomad's rules, with two fixes:
 * {@code cap_drop} also applies to {@code user = "root"}, and {@code allow_caps = ["all"]} does not
 * include the capabilities in {@link #ESCAPE}).
 */
public final class Capabilities {

    /** Capability names by number (lower case, no {@code cap_} prefix), as in linux/capability.h. */
    static final List<String> BY_NUMBER = List.of(
            "chown", "dac_override", "dac_read_search", "fowner", "fsetid", "kill", "setgid", "setuid", "setpcap",
            "linux_immutable", "net_bind_service", "net_broadcast", "net_admin", "net_raw", "ipc_lock", "ipc_owner",
            "sys_module", "sys_rawio", "sys_chroot", "sys_ptrace", "sys_pacct", "sys_admin", "sys_boot", "sys_nice",
            "sys_resource", "sys_time", "sys_tty_config", "mknod", "lease", "audit_write", "audit_control", "setfcap",
            "mac_override", "mac_admin", "syslog", "wake_alarm", "block_suspend", "audit_read", "perfmon", "bpf",
            "checkpoint_restore");

    private static final int BLOCK_SUSPEND = 36;

    /**
     * Capabilities that let a task reach the sandbox's init (uid 0, full caps) and through it the
     * host. {@code "all"} in allow_caps does not include them: an operator must name them.
     */
    public static final Set<String> ESCAPE = Set.of("sys_ptrace", "sys_admin", "sys_module", "sys_rawio", "dac_read_search");

    private final List<String> supported;

    /** @param supported capability names the running kernel knows (normalised) */
    public Capabilities(List<String> supported) {
        this.supported = List.copyOf(supported);
    }

    /** The capabilities of the running kernel, from {@code /proc/sys/kernel/cap_last_cap}. */
    public static Capabilities ofRunningKernel() {
        return new Capabilities(supportedUpTo(readCapLastCap()));
    }

    static int readCapLastCap() {
        try {
            // Not Files.readString: for a size-0 sysctl file it reads one byte, then gets nothing at offset 1.
            try (var in = Files.newInputStream(Path.of("/proc/sys/kernel/cap_last_cap"))) {
                return Integer.parseInt(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII).trim());
            }
        } catch (IOException | NumberFormatException e) {
            // Without procfs we cannot know; assume the set every kernel since 3.16 has.
            return 37;
        }
    }

    static List<String> supportedUpTo(int lastCap) {
        // A 63 here comes from old kernels that did not know the real value (Nomad caps it the same way).
        int last = lastCap == 63 ? BLOCK_SUSPEND : Math.min(lastCap, BY_NUMBER.size() - 1);
        return BY_NUMBER.subList(0, last + 1);
    }

    /** Trimmed, lower-cased, {@code cap_} prefix removed. */
    public static String normalize(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        return n.startsWith("cap_") ? n.substring(4) : n;
    }

    /** Names in {@code names} (other than {@code all}) that the running kernel does not support, normalised. */
    public static List<String> unsupported(Collection<String> names) {
        return ofRunningKernel().unsupportedOf(names);
    }

    List<String> unsupportedOf(Collection<String> names) {
        List<String> bad = new ArrayList<>();
        for (String n : names) {
            String c = normalize(n);
            if (!c.equals("all") && !supported.contains(c)) {
                bad.add(c);
            }
        }
        return bad;
    }

    /** Every supported name, normalised. */
    public List<String> supported() {
        return supported;
    }

    /**
     * The task's capability set as {@code CAP_X} names, sorted.
     * result = (Nomad default set ∩ allow_caps) - cap_drop + cap_add; cap_add must be within allow_caps.
     *
     * @throws InvalidTaskConfigException     a name in cap_add/cap_drop is not a capability of this kernel
     * @throws CapabilityNotAllowedException  cap_add holds a capability outside allow_caps
     */
    public List<String> compute(Collection<String> allowCaps, Collection<String> capAdd, Collection<String> capDrop) {
        List<Object> key = List.of(List.copyOf(allowCaps), List.copyOf(capAdd), List.copyOf(capDrop));
        List<String> known = computed.get(key);
        if (known != null) {
            return known; // the same few combinations for almost every task: computed once each
        }
        List<String> result = computeNow(allowCaps, capAdd, capDrop);
        if (computed.size() < 256) {
            computed.put(key, result);
        }
        return result;
    }

    /** Successful {@link #compute} results by arguments (a failure is thrown again each time). */
    private final java.util.Map<List<Object>, List<String>> computed = new java.util.concurrent.ConcurrentHashMap<>();

    private List<String> computeNow(Collection<String> allowCaps, Collection<String> capAdd, Collection<String> capDrop) {
        List<String> badAdd = unsupportedOf(capAdd);
        if (!badAdd.isEmpty()) {
            throw new InvalidTaskConfigException(
                    "cap_add configured with capabilities not supported by system: " + String.join(", ", badAdd));
        }
        List<String> badDrop = unsupportedOf(capDrop);
        if (!badDrop.isEmpty()) {
            throw new InvalidTaskConfigException(
                    "cap_drop configured with capabilities not supported by system: " + String.join(", ", badDrop));
        }
        TreeSet<String> allowed = expandAllowed(allowCaps);
        TreeSet<String> add = expand(capAdd);
        List<String> notAllowed = add.stream().filter(c -> !allowed.contains(c)).toList();
        if (!notAllowed.isEmpty()) {
            boolean escape = notAllowed.stream().anyMatch(ESCAPE::contains);
            throw new CapabilityNotAllowedException("driver does not allow the following capabilities: "
                    + String.join(", ", notAllowed)
                    + (escape ? " (" + String.join(", ", notAllowed.stream().filter(ESCAPE::contains).toList())
                            + " would let the task reach the sandbox's init and the host: \"all\" does not include them;"
                            + " only naming them in the exec plugin's allow_caps does)"
                            : " (add them to the exec plugin's allow_caps, or remove them from the task's cap_add)"));
        }
        TreeSet<String> result = expand(ExecDriverConfig.DEFAULT_ALLOW_CAPS);
        result.retainAll(allowed);
        result.removeAll(expand(capDrop));
        result.addAll(add);
        return result.stream().map(c -> "CAP_" + c.toUpperCase(Locale.ROOT)).toList();
    }

    /** allow_caps: like {@link #expand} but {@code "all"} leaves out {@link #ESCAPE} (named ones stay). */
    private TreeSet<String> expandAllowed(Collection<String> names) {
        TreeSet<String> out = new TreeSet<>();
        for (String n : names) {
            String c = normalize(n);
            if (c.equals("all")) {
                supported.stream().filter(x -> !ESCAPE.contains(x)).forEach(out::add);
            } else {
                out.add(c);
            }
        }
        return out;
    }

    private TreeSet<String> expand(Collection<String> names) {
        TreeSet<String> out = new TreeSet<>();
        for (String n : names) {
            String c = normalize(n);
            if (c.equals("all")) {
                out.addAll(supported);
            } else {
                out.add(c);
            }
        }
        return out;
    }
}
