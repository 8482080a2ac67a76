package dev.corral.driver;

import java.nio.file.Path;

/**
 * The driver's {@code seccomp} option: which syscalls the sandbox denies a task (with EPERM).
 * Spelled {@code "default"}, {@code "unconfined"} or an absolute path in the plugin config.
 */
public sealed interface SeccompProfile {

    /** Docker's default denials for an unprivileged container (the sandbox's built-in list). */
    SeccompProfile DEFAULT = new Default();

    /** No filter at all. */
    SeccompProfile UNCONFINED = new Unconfined();

    /** The value of the sandbox's {@code --seccomp} flag and of the config key. */
    String configName();

    /** The sandbox's built-in profile. */
    record Default() implements SeccompProfile {
        @Override
        public String configName() {
            return "default";
        }
    }

    /** No seccomp filter. */
    record Unconfined() implements SeccompProfile {
        @Override
        public String configName() {
            return "unconfined";
        }
    }

    /**
     * A host file listing the x86_64 syscall names to deny, one per line ({@code #} comments and
     * blank lines allowed); it replaces the default list, and an unknown name fails the task's start.
     */
    record DenyList(Path file) implements SeccompProfile {
        public DenyList {
            if (!file.isAbsolute()) {
                throw new IllegalArgumentException("seccomp must be \"default\", \"unconfined\" or an absolute path, got \""
                        + file + "\"");
            }
        }

        @Override
        public String configName() {
            return file.toString();
        }
    }

    /**
     * @throws IllegalArgumentException naming {@code field} and the allowed spellings
     */
    static SeccompProfile parse(String field, String value) {
        return switch (value) {
            case "default" -> DEFAULT;
            case "unconfined" -> UNCONFINED;
            default -> {
                if (!value.startsWith("/") || Path.of(value).normalize().toString().length() != value.length()) {
                    throw new IllegalArgumentException(field + " must be \"default\", \"unconfined\" or an absolute path"
                            + " without . or .. components, got \"" + value + "\"");
                }
                yield new DenyList(Path.of(value));
            }
        };
    }
}
