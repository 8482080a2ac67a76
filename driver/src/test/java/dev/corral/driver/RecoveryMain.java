package dev.corral.driver;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Runs in a separate JVM that RecoveryIT kills with SIGKILL: starts {@code count} tasks that each wait
 * for {@code /local/go} and then exit with their index, writes their handle records (one JSON per
 * line) to {@code out}, and blocks forever.
 *
 * <p>Arguments: stateDir cgroupParent allocRoot out count
 */
public final class RecoveryMain {
    private RecoveryMain() {
    }

    public static void main(String[] args) throws Exception {
        Path stateDir = Path.of(args[0]);
        String cgroupParent = args[1];
        Path allocRoot = Path.of(args[2]);
        Path out = Path.of(args[3]);
        int count = Integer.parseInt(args[4]);
        ExecDriver driver = new ExecDriver(ExecDriverConfig.builder().stateDir(stateDir).cgroupParent(cgroupParent).build());
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String allocId = "recover" + i;
            TaskDirectory dir = TaskDirectory.create(allocRoot.resolve(allocId), "t", driver.config().chrootEnv());
            String script = "echo before; while [ ! -e /local/go ]; do sleep 0.05; done; echo after; exit " + i;
            TaskConfig t = new TaskConfig(TaskConfig.newId(allocId, "t"), "t", allocId, "job", "group", dir.allocDir(),
                    dir.taskDir(), Map.of("PATH", "/usr/bin:/bin"), "", new Resources(100, List.of(), 64, 0),
                    ExecTaskConfig.of("/bin/sh", "-c", script), LogConfig.DEFAULT, List.of());
            lines.add(TaskHandleRecordCodec.toJson(driver.startTask(t).record()));
        }
        Path tmp = out.resolveSibling(out.getFileName() + ".tmp");
        Files.write(tmp, lines);
        Files.move(tmp, out, StandardCopyOption.ATOMIC_MOVE);
        Thread.sleep(Long.MAX_VALUE);
    }
}
