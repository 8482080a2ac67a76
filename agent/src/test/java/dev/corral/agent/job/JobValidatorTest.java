package dev.corral.agent.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.corral.jobspec.JobParser;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class JobValidatorTest {
    private static Job parse(String namespaceLine) {
        String hcl = """
                job "web" {
                  %s
                  group "g" {
                    task "t" {
                      driver = "exec"
                      config {
                        command = "/bin/true"
                      }
                    }
                  }
                }
                """.formatted(namespaceLine);
        return JobMapper.fromSpec(JobParser.parseHcl("web.nomad.hcl", hcl, Path.of("."),
                JobParser.Options.none()).job());
    }

    /** The ACL gate checks namespace rights in "default": a job must not land anywhere else. */
    @Test
    void aJobInAnotherNamespace_isRefusedAsNomadRefusesANonexistentOne() {
        assertThatThrownBy(() -> JobValidator.validate(parse("namespace = \"prod\"")))
                .isInstanceOf(JobValidationException.class)
                .hasMessageContaining("job \"web\" is in nonexistent namespace \"prod\"");
        assertThat(JobValidator.validate(parse("namespace = \"default\"")).namespace()).isEqualTo("default");
        assertThat(JobValidator.validate(parse("")).namespace()).isEqualTo("default");
    }
}
