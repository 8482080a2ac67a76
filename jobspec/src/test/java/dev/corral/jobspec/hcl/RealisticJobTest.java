package dev.corral.jobspec.hcl;

import static org.assertj.core.api.Assertions.assertThat;

import dev.corral.jobspec.hcl.Ast.Block;
import dev.corral.jobspec.hcl.Ast.Body;
import dev.corral.jobspec.hcl.Ast.Template;
import dev.corral.jobspec.hcl.Ast.Tuple;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class RealisticJobTest {

    static String resource(String name) throws IOException {
        try (InputStream in = RealisticJobTest.class.getResourceAsStream(name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void realisticNomadJob_parsesIntoTheExpectedTree() throws IOException {
        Body file = Hcl.parse("realistic.nomad.hcl", resource("/hcl/realistic.nomad.hcl"));
        assertThat(file.items()).extracting(Ast.BodyItem::name).containsExactly("variable", "locals", "job");

        Block job = file.blocks("job").getFirst();
        assertThat(Sexp.of(job.body().attribute("meta").expr())).isEqualTo("{(tpl 'team.name')=(tpl 'infra') owner=(tpl 'ops')}");
        assertThat(job.body().blocks("constraint")).hasSize(2);

        Block group = job.body().blocks("group").getFirst();
        Block network = group.body().blocks("network").getFirst();
        assertThat(network.body().blocks("port")).extracting(b -> b.labels().getFirst().value()).containsExactly("db", "http");

        Block task = group.body().blocks("task").getFirst();
        Body config = task.body().blocks("config").getFirst().body();
        Tuple args = (Tuple) config.attribute("args").expr();
        assertThat(Sexp.of(args.elements().get(1))).isEqualTo(
                "(tpl 'echo ${HOME} ' ${NOMAD_ALLOC_ID} ' && exec ' ${NOMAD_TASK_DIR} '/server -port=' ${NOMAD_PORT_http})");

        Body env = task.body().blocks("env").getFirst().body();
        assertThat(Sexp.of(env.attribute("PATH").expr())).isEqualTo("(tpl '/usr/bin:' ${([] env (tpl 'PATH'))})");
        assertThat(Sexp.of(env.attribute("FLOAT").expr())).isEqualTo("(- -1.5E+2)".replace("-1.5", "1.5"));

        Template tpl = (Template) task.body().blocks("template").getFirst().body().attribute("data").expr();
        assertThat(Sexp.of(tpl)).isEqualTo(
                "(tpl 'host = \"{{ env \"NOMAD_IP_http\" }}\"\n' (for p (. local ports) ('port = ' ${p} '\n')))");
        Template raw = (Template) task.body().blocks("template").get(1).body().attribute("data").expr();
        assertThat(Sexp.of(raw)).isEqualTo("(tpl 'raw = \"' ${NOMAD_ALLOC_DIR} '\"\n')");

        Body resources = task.body().blocks("resources").getFirst().body();
        assertThat(resources.attribute("memory").pos().toString()).isEqualTo("realistic.nomad.hcl:94:9");
        assertThat(Sexp.of(task.body().attribute("kill_signal").expr())).isEqualTo("(tpl 'SIGTERM')");
    }
}
