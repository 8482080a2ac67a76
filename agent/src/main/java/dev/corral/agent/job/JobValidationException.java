package dev.corral.agent.job;

import java.util.List;

/** A job cannot be registered; each problem names the field path (e.g. {@code group "web" -> task "app": ...}). */
public class JobValidationException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final List<String> problems;

    public JobValidationException(List<String> problems) {
        super(problems.size() == 1 ? problems.getFirst()
                : problems.size() + " errors occurred:\n\t* " + String.join("\n\t* ", problems));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }
}
