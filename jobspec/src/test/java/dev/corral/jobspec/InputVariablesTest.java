package dev.corral.jobspec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.corral.jobspec.model.ExecConfig;
import dev.corral.jobspec.model.Job;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InputVariablesTest {

    static final String JOB = """
            variable "who" {
              type    = string
              default = "default"
            }
            variable "n" {
              type    = number
              default = 1
            }
            variable "tags" {
              type    = list(string)
              default = []
            }
            job "v" {
              group "g" {
                count = var.n
                task "t" {
                  driver = "exec"
                  config {
                    command = "/bin/echo"
                    args    = concat([var.who], var.tags)
                  }
                }
              }
            }
            """;

    static Job parse(JobParser.Options o) {
        return JobParser.parseHcl("v.hcl", JOB, null, o).job();
    }

    static List<String> args(Job j) {
        return ExecConfig.of(j.groups().getFirst().tasks().getFirst().config()).args();
    }

    /**
     * A var file never gets file functions the job itself lacks: the agent's parse endpoint stages
     * the request's variables as a file, and its caller must not read the agent's files through it.
     */
    @Test
    void varFile_fileFunctions_onlyWhenTheJobMayUseThem(@TempDir Path dir) throws IOException {
        Path secret = Files.writeString(dir.resolve("secret.txt"), "agent-secret");
        Path vars = Files.writeString(dir.resolve("v.hcl"), "who = file(\"" + secret + "\")\n");
        JobParser.Options o = new JobParser.Options(Map.of(), List.of(vars), Map.of());
        assertThatThrownBy(() -> JobParser.parseHcl("v.hcl", JOB, null, o).job())
                .isInstanceOf(JobSpecException.class)
                .hasMessageContaining("file functions are not available")
                .hasMessageNotContaining("agent-secret");
        // a job read from a file (the CLI) may read files, its var files too
        assertThat(args(JobParser.parseHcl("v.hcl", JOB, dir, o).job())).containsExactly("agent-secret");
    }

    @Test
    void defaults_applyWhenNothingIsGiven() {
        Job j = parse(JobParser.Options.none());
        assertThat(args(j)).containsExactly("default");
        assertThat(j.groups().getFirst().count()).isEqualTo(1);
    }

    @Test
    void precedence_environmentThenVarFilesThenCliVars(@TempDir Path dir) throws IOException {
        Path f1 = Files.writeString(dir.resolve("a.hcl"), "who = \"file-a\"\nn = 2\n");
        Path f2 = Files.writeString(dir.resolve("b.json"), "{\"n\": 3, \"tags\": [\"j\"]}");
        Map<String, String> env = Map.of("NOMAD_VAR_who", "env", "NOMAD_VAR_n", "9", "NOMAD_VAR_tags", "[\"e\"]");

        assertThat(args(parse(new JobParser.Options(Map.of(), List.of(), env)))).containsExactly("env", "e");
        Job fromFiles = parse(new JobParser.Options(Map.of(), List.of(f1, f2), env));
        assertThat(args(fromFiles)).containsExactly("file-a", "j");
        assertThat(fromFiles.groups().getFirst().count()).isEqualTo(3);
        Job fromCli = parse(new JobParser.Options(Map.of("who", "cli", "n", "4"), List.of(f1, f2), env));
        assertThat(args(fromCli)).containsExactly("cli", "j");
        assertThat(fromCli.groups().getFirst().count()).isEqualTo(4);
    }

    @Test
    void cliValues_areStringsForStringVariables_andHclForOthers() {
        Job j = parse(new JobParser.Options(Map.of("who", "[not, a, list]", "tags", "[\"a\", \"b\"]"), List.of(), Map.of()));
        assertThat(args(j)).containsExactly("[not, a, list]", "a", "b");
    }

    @Test
    void undeclaredCliVariable_isAnErrorWithSuggestion() {
        assertThatThrownBy(() -> parse(new JobParser.Options(Map.of("whom", "x"), List.of(), Map.of())))
                .isInstanceOf(JobSpecException.class)
                .hasMessage("-var: var.whom: a value was given for the undeclared variable \"whom\"; declare it with a "
                        + "variable \"whom\" block; did you mean \"who\"?");
    }

    @Test
    void undeclaredValueInVarFile_isAWarning(@TempDir Path dir) throws IOException {
        Path f = Files.writeString(dir.resolve("v.hcl"), "other = 1\n");
        JobParser.Result r = JobParser.parseHcl("v.hcl", JOB, null, new JobParser.Options(Map.of(), List.of(f), Map.of()));
        assertThat(r.warnings()).extracting(Diagnostic::toString)
                .containsExactly(f + ":1:1: var.other: the var file sets \"other\", which no variable block declares; the value is ignored");
    }

    @Test
    void defaults_cannotReferenceVariables_butMayCallFunctions() {
        String src = "variable \"a\" {\n  default = upper(\"x\")\n}\nvariable \"b\" {\n  default = a\n}\n" + JOB.substring(JOB.indexOf("job "));
        assertThatThrownBy(() -> JobParser.parseHcl("d.hcl", src, null, JobParser.Options.none()))
                .isInstanceOf(JobSpecException.class)
                .hasMessage("d.hcl:5:13: var.b: variables are not allowed here (found \"a\"); write a literal value, and quote strings");
    }

    @Test
    void badValues_areReportedAgainstTheirSource() {
        assertThatThrownBy(() -> parse(new JobParser.Options(Map.of("n", "many"), List.of(), Map.of())))
                .isInstanceOf(JobSpecException.class)
                .hasMessage("-var n:1:1: var.n: variables are not allowed here (found \"many\"); write a literal value, and quote strings");
        assertThatThrownBy(() -> parse(new JobParser.Options(Map.of("n", "\"many\""), List.of(), Map.of())))
                .isInstanceOf(JobSpecException.class).hasMessage("-var n: var.n: invalid value: expected a number, got the string \"many\"");
    }
}
