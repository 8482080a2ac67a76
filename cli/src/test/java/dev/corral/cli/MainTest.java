package dev.corral.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Which subcommands {@link Main#commandLine(String...)} builds, and that usage still reads as one command. */
class MainTest {
    @Test
    void commandLine_subcommandFirst_buildsOnlyThatSubcommand() {
        assertThat(Main.commandLine("run", "job.hcl").getSubcommands()).containsOnlyKeys("run");
        assertThat(Main.commandLine("alloc", "exec", "abc", "sh").getSubcommands()).containsOnlyKeys("alloc");
    }

    @Test
    void commandLine_noSubcommand_buildsEveryOneInHelpOrder() {
        assertThat(Main.commandLine().getSubcommands().keySet()).containsExactlyElementsOf(Main.COMMANDS);
        assertThat(Main.commandLine("--help").getSubcommands().keySet()).containsExactlyElementsOf(Main.COMMANDS);
        assertThat(Main.commandLine("rnu").getSubcommands().keySet()).containsExactlyElementsOf(Main.COMMANDS);
    }

    @Test
    void subcommandHelp_namesTheFullCommandPath() {
        StringWriter out = new StringWriter();
        CommandLine cl = Main.commandLine("run", "--help");
        cl.setOut(new PrintWriter(out, true));
        assertThat(cl.execute("run", "--help")).isZero();
        assertThat(out.toString()).startsWith("Usage: corral run ");
    }

    @Test
    void allocExec_alone_stillStopsOptionParsingAtTheCommand() {
        CommandLine exec = Main.commandLine("alloc", "exec").getSubcommands().get("alloc").getSubcommands().get("exec");
        assertThat(exec.isStopAtPositional()).isTrue();
    }

    @Test
    void unknownCommand_suggestsTheNearestOne() {
        StringWriter err = new StringWriter();
        CommandLine cl = Main.commandLine("rnu");
        cl.setErr(new PrintWriter(err, true));
        assertThat(cl.execute("rnu")).isNotZero();
        assertThat(err.toString()).contains("rnu").contains("run");
    }

    @Test
    void launcher_namesEveryCommand_soEachGetsItsOwnCache() throws IOException {
        String launcher = Files.readString(Path.of("").toAbsolutePath().getParent().resolve("bin/corral"));
        for (String c : Main.COMMANDS) {
            // a command missing from the launcher's case list would share the usage cache
            assertThat(launcher).as(c).containsPattern("[ |]" + Pattern.quote(c) + "[|)]");
        }
    }
}
