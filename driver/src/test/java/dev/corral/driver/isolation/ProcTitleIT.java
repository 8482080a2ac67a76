package dev.corral.driver.isolation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.corral.driver.ExecTaskConfig;
import dev.corral.driver.TaskConfig;
import dev.corral.driver.TaskHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The sandbox's own command line names host paths (task dir, status file, cgroups, log dir). The
 * task must see none of them: not in {@code ps}, not in any {@code /proc/PID/cmdline} or environ.
 */
@Tag("root")
class ProcTitleIT {

    @Test
    void sandboxInit_showsOnlyItsRole_andNoHostPath() throws Exception {
        try (Sandboxes s = new Sandboxes(b -> b.userDenylist(Set.of()))) {
            // the needle (the host dir of every task) is never spelled in a command line the task can read
            String needle = Base64.getEncoder().encodeToString(s.root.toString().getBytes(StandardCharsets.UTF_8));
            for (String user : List.of("", "root")) {
                TaskConfig t = s.sh("title" + (user.isEmpty() ? "nobody" : user), user,
                        "echo " + needle + " | base64 -d > /tmp/needle; echo ps1=$(ps -o args= -p 1); "
                                + "cat /proc/[0-9]*/cmdline /proc/[0-9]*/environ 2>/dev/null | tr '\\0' '\\n' > /tmp/all; "
                                + "grep -c . /tmp/all | sed 's/^/lines=/'; grep -F -f /tmp/needle /tmp/all | sed 's/^/leak=/'; "
                                + "cat /proc/1/environ >/dev/null 2>&1 && echo init_environ=readable || echo init_environ=denied; "
                                + "cp /proc/1/cmdline /local/init.cmdline");
                Map<String, String> v = s.attack(t);
                assertThat(v).containsEntry("ps1", "corral-sandbox init").containsEntry("init_environ", "denied")
                        .doesNotContainKey("leak");
                assertThat(Integer.parseInt(v.get("lines"))).as("the scan read something").isPositive();
                byte[] raw = Files.readAllBytes(t.taskDir().resolve("local/init.cmdline"));
                List<String> words = Arrays.stream(new String(raw, StandardCharsets.UTF_8).split("\0")).filter(w -> !w.isEmpty()).toList();
                assertThat(words).containsExactly("corral-sandbox", "init");
            }
        }
    }

    @Test
    void sandboxProcessOnTheHost_showsNoHostPathEither() throws Exception {
        try (Sandboxes s = new Sandboxes()) {
            TaskConfig t = s.task("host", "", ExecTaskConfig.of("/bin/sleep", "600"));
            TaskHandle h = s.start(t);
            // the one resident sandbox process is the init (the run process exits after the start)
            assertThat(h.sandboxPid()).isEqualTo(Sandboxes.initPid(h));
            assertThat(cmdline(h.sandboxPid())).isEqualTo("corral-sandbox init");
        }
    }

    private static String cmdline(long pid) throws Exception {
        byte[] raw = Files.readAllBytes(Path.of("/proc/" + pid + "/cmdline"));
        return String.join(" ", Arrays.stream(new String(raw, StandardCharsets.UTF_8).split("\0")).filter(w -> !w.isEmpty()).toList());
    }
}
