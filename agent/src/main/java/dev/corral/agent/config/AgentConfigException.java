package dev.corral.agent.config;

import java.util.List;

/** The agent configuration is invalid; each problem names file:line:col and the key path. */
public class AgentConfigException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final List<String> problems;

    public AgentConfigException(List<String> problems) {
        super(problems.size() == 1 ? problems.getFirst()
                : problems.size() + " errors in agent configuration:\n\t* " + String.join("\n\t* ", problems));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }
}
