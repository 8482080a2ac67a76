package dev.corral.agent.runner;

import dev.corral.agent.artifact.ArtifactException;
import dev.corral.agent.artifact.ArtifactFetcher;
import dev.corral.agent.artifact.ArtifactSpec;
import dev.corral.agent.artifact.InvalidArtifactException;
import dev.corral.agent.job.Task;
import dev.corral.jobspec.TaskEnv;
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
    public void fetch(Task task, Path taskDir, TaskEnv env) throws RunnerContext.ArtifactException {
        List<ArtifactSpec> specs;
        try {
            specs = specs(task, env);
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

    /**
     * The task's {@code artifact} blocks with runtime references ({@code ${NOMAD_*}}, node
     * variables, {@code ${env["X"]}}) resolved, as the fetcher takes them; {@code corral run} uses it too.
     */
    public static List<ArtifactSpec> specs(Task task, TaskEnv env) throws InvalidArtifactException {
        List<ArtifactSpec> specs = new ArrayList<>();
        for (Map<String, Object> a : task.artifacts()) {
            ArtifactSpec s = ArtifactSpec.of(env.interpolate(String.valueOf(a.get("source"))));
            if (a.get("destination") instanceof String d && !d.isBlank()) {
                s = s.withDestination(env.interpolate(d));
            }
            if (a.get("mode") instanceof String m) {
                s = s.withMode(ArtifactSpec.Mode.parse(m));
            }
            s = s.withOptions(interpolated(a.get("options"), env)).withHeaders(interpolated(a.get("headers"), env));
            s.validate();
            specs.add(s);
        }
        return specs;
    }

    private static Map<String, String> interpolated(Object o, TaskEnv env) {
        Map<String, String> out = new LinkedHashMap<>();
        if (o instanceof Map<?, ?> m) {
            m.forEach((k, v) -> out.put(String.valueOf(k), env.interpolate(String.valueOf(v))));
        }
        return out;
    }
}
