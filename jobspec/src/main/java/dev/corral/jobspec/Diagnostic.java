package dev.corral.jobspec;

import java.util.Objects;

/**
 * One problem found in a job specification.
 *
 * @param severity error or warning
 * @param pos      where in the file; {@link SourcePos#NONE} when the value has no file position
 * @param path     field path such as {@code job.web.group.api.task.srv.resources.cpu}, or empty
 * @param message  what is wrong and, where possible, what to do about it
 */
public record Diagnostic(Severity severity, SourcePos pos, String path, String message) {

    /** How bad a diagnostic is. */
    public enum Severity { ERROR, WARNING }

    public Diagnostic {
        Objects.requireNonNull(severity);
        Objects.requireNonNull(pos);
        Objects.requireNonNull(path);
        Objects.requireNonNull(message);
    }

    /** An error at a position. */
    public static Diagnostic error(SourcePos pos, String path, String message) {
        return new Diagnostic(Severity.ERROR, pos, path, message);
    }

    /** A warning at a position. */
    public static Diagnostic warning(SourcePos pos, String path, String message) {
        return new Diagnostic(Severity.WARNING, pos, path, message);
    }

    public boolean isError() {
        return severity == Severity.ERROR;
    }

    /** {@code file:line:col: path: message}, leaving out the parts that are unknown. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        if (pos.isKnown() || !pos.file().isEmpty()) {
            sb.append(pos).append(": ");
        }
        if (!path.isEmpty()) {
            sb.append(path).append(": ");
        }
        return sb.append(message).toString();
    }
}
