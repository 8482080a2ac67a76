package dev.corral.jobspec.hcl;

import dev.corral.jobspec.Diagnostic;
import dev.corral.jobspec.JobSpecException;
import dev.corral.jobspec.SourcePos;

/** A syntax error in HCL source, with the position where it was found. */
public final class ParseException extends JobSpecException {

    private static final long serialVersionUID = 1L;

    private final transient SourcePos pos;

    public ParseException(SourcePos pos, String message) {
        super(Diagnostic.error(pos, "", message));
        this.pos = pos;
    }

    /** Where the error was found. */
    public SourcePos pos() {
        return pos;
    }
}
