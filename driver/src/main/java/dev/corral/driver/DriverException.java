package dev.corral.driver;

/**
 * Base of every error the exec driver reports. Messages are written for the person who wrote the
 * job or the agent config: they say what is wrong, where, and when possible what to do.
 */
public class DriverException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public DriverException(String message) {
        super(message);
    }

    public DriverException(String message, Throwable cause) {
        super(message, cause);
    }

    /** {@code task not found for given id}. */
    public static final class TaskNotFoundException extends DriverException {
        private static final long serialVersionUID = 1L;

        public TaskNotFoundException(String taskId) {
            super("task not found for given id: \"" + taskId + "\"");
        }
    }

    /** {@code task with ID "<id>" already started}. */
    public static final class TaskAlreadyStartedException extends DriverException {
        private static final long serialVersionUID = 1L;

        public TaskAlreadyStartedException(String taskId) {
            super("task with ID \"" + taskId + "\" already started");
        }
    }

    /** The task's {@code config {}} block (or another task field) is invalid: {@code failed driver config validation: ...}. */
    public static final class InvalidTaskConfigException extends DriverException {
        private static final long serialVersionUID = 1L;

        public InvalidTaskConfigException(String detail) {
            super("failed driver config validation: " + detail);
        }
    }

    /** The plugin (agent) configuration of the driver is invalid; the message names the key. */
    public static final class InvalidDriverConfigException extends DriverException {
        private static final long serialVersionUID = 1L;

        private final String detail;

        public InvalidDriverConfigException(String detail) {
            super("invalid exec driver configuration: " + detail);
            this.detail = detail;
        }

        /** What is wrong, without the leading "invalid exec driver configuration". */
        public String detail() {
            return detail;
        }
    }

    /** {@code file <cmd> not found under path <taskdir>}, as Nomad says it. */
    public static final class CommandNotFoundException extends DriverException {
        private static final long serialVersionUID = 1L;

        public CommandNotFoundException(String message) {
            super(message);
        }
    }

    /** The task's {@code user} cannot be resolved in the task root, or is denied. */
    public static final class UserException extends DriverException {
        private static final long serialVersionUID = 1L;

        public UserException(String message) {
            super(message);
        }
    }

    /** {@code cap_add} asks for capabilities outside {@code allow_caps}. */
    public static final class CapabilityNotAllowedException extends DriverException {
        private static final long serialVersionUID = 1L;

        public CapabilityNotAllowedException(String message) {
            super(message);
        }
    }

    /** {@code cannot destroy running task}: destroy without force of a running task. */
    public static final class TaskRunningException extends DriverException {
        private static final long serialVersionUID = 1L;

        public TaskRunningException(String taskId) {
            super("cannot destroy running task \"" + taskId + "\"; stop it first or destroy with force");
        }
    }

    /** Starting, stopping or reattaching failed for a reason of the host (cgroups, sandbox binary, I/O). */
    public static final class TaskLaunchException extends DriverException {
        private static final long serialVersionUID = 1L;

        public TaskLaunchException(String message) {
            super(message);
        }

        public TaskLaunchException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** RecoverTask could not reattach: the record is invalid or from an unknown version. */
    public static final class TaskRecoveryException extends DriverException {
        private static final long serialVersionUID = 1L;

        public TaskRecoveryException(String message) {
            super(message);
        }

        public TaskRecoveryException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
