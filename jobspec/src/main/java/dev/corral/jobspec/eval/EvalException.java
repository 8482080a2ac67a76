package dev.corral.jobspec.eval;

import dev.corral.jobspec.Diagnostic;
import dev.corral.jobspec.JobSpecException;
import dev.corral.jobspec.SourcePos;

/** An expression could not be evaluated: wrong type, unknown variable or function, bad argument. */
public final class EvalException extends JobSpecException {

    private static final long serialVersionUID = 1L;

    public EvalException(SourcePos pos, String message) {
        super(Diagnostic.error(pos, "", message));
    }
}
