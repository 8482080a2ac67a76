package dev.corral.jobspec;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** Collects errors and warnings so that one run reports every problem. */
final class Diagnostics {

    private final List<Diagnostic> all = new ArrayList<>();

    void add(Diagnostic d) {
        if (!all.contains(d)) {
            all.add(d);
        }
    }

    void addAll(List<Diagnostic> ds) {
        ds.forEach(this::add);
    }

    void error(SourcePos pos, String path, String message) {
        add(Diagnostic.error(pos, path, message));
    }

    void warning(SourcePos pos, String path, String message) {
        add(Diagnostic.warning(pos, path, message));
    }

    /** Records the diagnostics of a failed evaluation or parse. */
    void add(JobSpecException e, String path) {
        for (Diagnostic d : e.diagnostics()) {
            add(d.path().isEmpty() ? new Diagnostic(d.severity(), d.pos(), path, d.message()) : d);
        }
    }

    /** True when an error was recorded at this path or below it. */
    boolean hasErrorUnder(String path) {
        return all.stream().anyMatch(d -> d.isError() && d.path().startsWith(path));
    }

    boolean hasErrors() {
        return all.stream().anyMatch(Diagnostic::isError);
    }

    /** Errors sorted by position. */
    List<Diagnostic> errors() {
        return all.stream().filter(Diagnostic::isError).sorted(BY_POSITION).toList();
    }

    List<Diagnostic> warnings() {
        return all.stream().filter(d -> !d.isError()).toList();
    }

    void throwIfErrors() {
        if (hasErrors()) {
            throw new JobSpecException(errors());
        }
    }

    static final Comparator<Diagnostic> BY_POSITION = Comparator
            .comparing((Diagnostic d) -> d.pos().file())
            .thenComparingInt(d -> d.pos().line())
            .thenComparingInt(d -> d.pos().col());
}
