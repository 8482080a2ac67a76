package dev.corral.jobspec;

/**
 * A position in a job file: file name as given by the caller, 1-based line and column.
 * Tabs count as one column, as in HCL.
 */
public record SourcePos(String file, int line, int col) {

    /** A position for values that did not come from a file (defaults, API input). */
    public static final SourcePos NONE = new SourcePos("", 0, 0);

    /** True when this position points into a real file. */
    public boolean isKnown() {
        return line > 0;
    }

    @Override
    public String toString() {
        return isKnown() ? file + ":" + line + ":" + col : (file.isEmpty() ? "<input>" : file);
    }
}
