package dev.corral.jobspec;

import java.util.Map;
import java.util.OptionalInt;
import java.util.TreeMap;

/** Linux signal names accepted in {@code kill_signal} (x86_64 numbers). */
public final class Signals {

    private static final Map<String, Integer> SIGNALS = new TreeMap<>();

    static {
        String[] names = {"SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT", "SIGBUS", "SIGFPE", "SIGKILL",
            "SIGUSR1", "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM", "SIGSTKFLT", "SIGCHLD", "SIGCONT",
            "SIGSTOP", "SIGTSTP", "SIGTTIN", "SIGTTOU", "SIGURG", "SIGXCPU", "SIGXFSZ", "SIGVTALRM", "SIGPROF",
            "SIGWINCH", "SIGIO", "SIGPWR", "SIGSYS"};
        for (int i = 0; i < names.length; i++) {
            SIGNALS.put(names[i], i + 1);
        }
        SIGNALS.put("SIGIOT", 6);
        SIGNALS.put("SIGPOLL", 29);
    }

    private Signals() {
    }

    /** The signal number for a name such as {@code SIGTERM} (upper case, with the SIG prefix). */
    public static OptionalInt number(String name) {
        Integer n = SIGNALS.get(name);
        return n == null ? OptionalInt.empty() : OptionalInt.of(n);
    }

    /** All accepted names, sorted. */
    public static java.util.Set<String> names() {
        return SIGNALS.keySet();
    }
}
