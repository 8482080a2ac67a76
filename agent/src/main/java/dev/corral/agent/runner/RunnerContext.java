package dev.corral.agent.runner;

import dev.corral.agent.node.Node;
import dev.corral.agent.state.AllocRecord;
import dev.corral.agent.state.StateStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/**
 * Everything alloc and task runners share: the store, the drivers, the node, client settings and
 * the callbacks into the agent.
 *
 * @param allocRoot       {@code client.alloc_dir}
 * @param chrootEnv       host path to task path ({@code client.chroot_env}, resolved)
 * @param hostEnv         the agent's environment, passed through to tasks
 * @param envDenylist     {@code env.denylist}
 * @param userDenylist    {@code user.denylist}
 * @param maxKillTimeout  {@code max_kill_timeout}
 * @param parentCgroup    {@code NOMAD_PARENT_CGROUP}
 * @param clockMs         wall clock, Unix ms
 * @param onAllocUpdate   called after an allocation's client status changed (outside runner locks)
 */
public record RunnerContext(StateStore store, Map<String, TaskDriver> drivers, Supplier<Node> node, Path allocRoot,
                            Map<String, String> chrootEnv, Map<String, String> hostEnv, Set<String> envDenylist,
                            Set<String> userDenylist, Duration maxKillTimeout, String parentCgroup,
                            LongSupplier clockMs, RandomGenerator random, Consumer<AllocRecord> onAllocUpdate,
                            ArtifactHook artifacts) {

    public RunnerContext {
        drivers = Map.copyOf(drivers);
        chrootEnv = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(chrootEnv));
        hostEnv = Map.copyOf(hostEnv);
        envDenylist = Set.copyOf(envDenylist);
        userDenylist = Set.copyOf(userDenylist);
    }

    public TaskEvents events() {
        return new TaskEvents(() -> clockMs.getAsLong() * 1_000_000L);
    }

    public Optional<TaskDriver> driver(String name) {
        return Optional.ofNullable(drivers.get(name));
    }

    /** Downloads a task's artifacts into its task dir; {@link #NONE} when the agent has no fetcher. */
    @FunctionalInterface
    public interface ArtifactHook {
        /**
         * @throws ArtifactException with the user-facing download error
         */
        void fetch(dev.corral.agent.job.Task task, Path taskDir, dev.corral.jobspec.TaskEnv env) throws ArtifactException;

        ArtifactHook NONE = (task, dir, env) -> {
            if (!task.artifacts().isEmpty()) {
                throw new ArtifactException("this agent has no artifact fetcher; remove the artifact blocks", false);
            }
        };
    }

    /** An artifact could not be fetched. */
    public static final class ArtifactException extends Exception {
        private static final long serialVersionUID = 1L;
        private final boolean recoverable;

        public ArtifactException(String message, boolean recoverable) {
            super(message);
            this.recoverable = recoverable;
        }

        public boolean recoverable() {
            return recoverable;
        }
    }
}
