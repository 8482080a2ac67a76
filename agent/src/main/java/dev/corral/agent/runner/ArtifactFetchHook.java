package dev.corral.agent.runner;

import dev.corral.agent.artifact.ArtifactException;
import dev.corral.agent.artifact.ArtifactFetcher;
import dev.corral.agent.artifact.ArtifactSpec;
import dev.corral.agent.artifact.InvalidArtifactException;
import dev.corral.agent.job.Task;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The task runner's artifacts hook on top of the agent's {@link ArtifactFetcher}. */
public final class ArtifactFetchHook implements RunnerContext.ArtifactHook {
    private final ArtifactFetcher fetcher;

    public ArtifactFetchHook(ArtifactFetcher fetcher) {
        this.fetcher = fetcher;
    }

    @Override
    public void fetch(Task task, Path taskDir, Map<String, String> env) throws RunnerContext.ArtifactException {
        List<ArtifactSpec> specs = new ArrayList<>();
        try {
            for (Map<String, Object> a : task.artifacts()) {
                ArtifactSpec s = ArtifactSpec.of(sub(String.valueOf(a.get("source")), env));
                if (a.get("destination") instanceof String d && !d.isBlank()) {
                    s = s.withDestination(sub(d, env));
                }
                if (a.get("mode") instanceof String m) {
                    s = s.withMode(ArtifactSpec.Mode.parse(m));
                }
                s = s.withOptions(subMap(a.get("options"), env)).withHeaders(subMap(a.get("headers"), env));
                s.validate();
                specs.add(s);
            }
        } catch (InvalidArtifactException e) {
            throw new RunnerContext.ArtifactException(e.getMessage(), false);
        }
        try {
            fetcher.fetchAll(specs, taskDir, null, event -> { });
        } catch (ArtifactException e) {
            // Nomad treats every artifact failure as recoverable: the restart policy applies.
            throw new RunnerContext.ArtifactException(e.getMessage(), true);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RunnerContext.ArtifactException("artifact download interrupted", true);
        }
    }

    private static String sub(String s, Map<String, String> env) {
        // Node variables were already resolved into the env where used; here only ${VAR} from the env.
        StringBuilder out = new StringBuilder();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\$\\{([A-Za-z0-9_.\\-]+)}").matcher(s);
        while (m.find()) {
            String v = env.get(m.group(1));
            m.appendReplacement(out, java.util.regex.Matcher.quoteReplacement(v != null ? v : m.group()));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static Map<String, String> subMap(Object o, Map<String, String> env) {
        Map<String, String> out = new LinkedHashMap<>();
        if (o instanceof Map<?, ?> m) {
            m.forEach((k, v) -> out.put(String.valueOf(k), sub(String.valueOf(v), env)));
        }
        return out;
    }
}
