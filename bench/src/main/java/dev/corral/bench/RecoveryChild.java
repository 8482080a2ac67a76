package dev.corral.bench;

import dev.corral.driver.ExecDriver;
import dev.corral.driver.ExecDriverConfig;
import dev.corral.driver.ExecTaskConfig;
import dev.corral.driver.LogConfig;
import dev.corral.driver.Resources;
import dev.corral.driver.TaskConfig;
import dev.corral.driver.TaskDirectory;
import dev.corral.driver.TaskHandleRecordCodec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * The agent stand-in for the recovery scenario, in its own JVM: starts {@code count} sleeping tasks,
 * persists their handle records (one JSON per line, written atomically once all run) and blocks until
 * the harness kills it with SIGKILL.
 *
 * <p>Arguments: stateDir cgroupParent allocRoot recordsFile count sleepArg parallelism
 */
public final class RecoveryChild {
    private RecoveryChild() {
    }

    public static void main(String[] args) throws Exception {
        Path stateDir = Path.of(args[0]);
        String cgroupParent = args[1];
        Path allocRoot = Path.of(args[2]);
        Path out = Path.of(args[3]);
        int count = Integer.parseInt(args[4]);
        String sleepArg = args[5];
        int par = Integer.parseInt(args[6]);
        ExecDriver driver = new ExecDriver(ExecDriverConfig.builder().stateDir(stateDir).cgroupParent(cgroupParent).build());
        List<String> lines = Collections.synchronizedList(new ArrayList<>());
        DriverBench.parallel(count, par, i -> {
            String allocId = "rc" + i;
            TaskDirectory dir = TaskDirectory.create(allocRoot.resolve(allocId), "t", driver.config().chrootEnv());
            TaskConfig t = new TaskConfig(TaskConfig.newId(allocId, "t"), "t", allocId, "bench", "g", dir.allocDir(),
                    dir.taskDir(), Map.of("PATH", "/usr/bin:/bin"), "", new Resources(100, List.of(), 64, 0),
                    ExecTaskConfig.of("/bin/sleep", sleepArg), new LogConfig.RotatedFiles(2, 1 << 20), List.of());
            lines.add(TaskHandleRecordCodec.toJson(driver.startTask(t).record()));
            return null;
        });
        Path tmp = out.resolveSibling(out.getFileName() + ".tmp");
        Files.write(tmp, lines);
        Files.move(tmp, out, StandardCopyOption.ATOMIC_MOVE);
        Thread.sleep(Long.MAX_VALUE);
    }
}
