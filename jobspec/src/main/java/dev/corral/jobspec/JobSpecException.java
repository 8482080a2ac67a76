package dev.corral.jobspec;

import java.util.List;

/**
 * A job specification could not be read: syntax, type, schema or validation errors.
 * Carries every error found (validation does not stop at the first one); the message
 * lists them in Nomad's {@code * } style.
 */
public class JobSpecException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final transient List<Diagnostic> diagnostics;

    public JobSpecException(List<Diagnostic> diagnostics) {
        super(render(diagnostics));
        this.diagnostics = List.copyOf(diagnostics);
    }

    public JobSpecException(Diagnostic diagnostic) {
        this(List.of(diagnostic));
    }

    /** Every diagnostic, errors first in file order; never empty. */
    public List<Diagnostic> diagnostics() {
        return diagnostics;
    }

    private static String render(List<Diagnostic> ds) {
        if (ds.isEmpty()) {
            throw new IllegalArgumentException("a JobSpecException needs at least one diagnostic");
        }
        if (ds.size() == 1) {
            return ds.getFirst().toString();
        }
        StringBuilder sb = new StringBuilder().append(ds.size()).append(" errors occurred:");
        for (Diagnostic d : ds) {
            sb.append("\n\t* ").append(d);
        }
        return sb.toString();
    }
}
