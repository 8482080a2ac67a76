package dev.corral.jobspec.eval;

/**
 * Thrown inside evaluation when an expression reads a value only the client knows
 * ({@code NOMAD_*}, {@code node}, {@code attr}, {@code meta}, {@code env}, {@code device}).
 * The nearest template interpolation or collection element catches it and keeps its source
 * text verbatim. No stack trace: it is control flow.
 */
final class RuntimeReference extends RuntimeException {

    private static final long serialVersionUID = 1L;

    RuntimeReference() {
        super(null, null, false, false);
    }
}
