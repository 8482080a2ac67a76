package dev.corral.jobspec.hcl;

import static org.assertj.core.api.Assertions.assertThat;

import dev.corral.jobspec.eval.Evaluator;
import dev.corral.jobspec.eval.Functions;
import dev.corral.jobspec.model.Value;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Behaviour the upstream HCL spec suite pins down (heredocs, operators, literals), checked here with our own inputs. */
class SpecSuiteTest {

    static String eval(String hcl) {
        Ast.Body b = Hcl.parse("spec.hcl", "x = " + hcl + "\n");
        Evaluator ev = new Evaluator(Map.of("bar", Value.of("Bar"), "space_bar", Value.of("  Bar")), Functions.standard(null));
        return String.valueOf(ev.evaluate(b.attribute("x").expr()).toJava());
    }

    @Test
    void heredocs_keepIndentation_flushHeredocsStripTheCommonPrefix() {
        assertThat(eval("<<EOT\n    Foo\n      Bar\n    Baz\n  EOT")).isEqualTo("    Foo\n      Bar\n    Baz\n");
        assertThat(eval("<<EOT\n    NOT EOT\n  EOT")).isEqualTo("    NOT EOT\n");
        assertThat(eval("<<-EOT\n    Foo\n      Bar\n    Baz\n  EOT")).isEqualTo("Foo\n  Bar\nBaz\n");
        assertThat(eval("<<-EOT\n    Foo\n  Bar\n    Baz\n  EOT")).isEqualTo("  Foo\nBar\n  Baz\n");
        assertThat(eval("<<-EOT\n    Foo\n    ${bar}\n    Baz\n  EOT")).isEqualTo("Foo\nBar\nBaz\n");
        assertThat(eval("<<-EOT\n    Foo\n      ${bar}\n    Baz\n  EOT")).isEqualTo("Foo\n  Bar\nBaz\n");
        assertThat(eval("<<-EOT\n    Foo\n  ${space_bar}\n    Baz\n  EOT")).isEqualTo("  Foo\n  Bar\n  Baz\n");
        assertThat(eval("<<-EOT\n\tFoo\n  Bar\n  Baz\n  EOT")).isEqualTo("Foo\n Bar\n Baz\n");
        assertThat(eval("<<-EOT\n    Foo\n\n    Bar\n\n    Baz\n  EOT")).isEqualTo("Foo\n\nBar\n\nBaz\n");
    }

    @Test
    void operators_typesAreNotCoercedForEquality_arithmeticIsExact() {
        assertThat(eval("\"1\" == 1")).isEqualTo("false");
        assertThat(eval("\"true\" == true")).isEqualTo("false");
        assertThat(eval("\"a\" != \"b\"")).isEqualTo("true");
        assertThat(eval("1 <= 1")).isEqualTo("true");
        assertThat(eval("2 - 3.5")).isEqualTo("-1.5");
        assertThat(eval("1 / 10")).isEqualTo("0.1");
        assertThat(eval("11 % 5.1")).isEqualTo("0.8");
        assertThat(eval("3.14159265358979323846264338327950288419716939937510582097494459 + 1"))
                .isEqualTo("4.14159265358979323846264338327950288419716939937510582097494459");
        assertThat(eval("false ? \"a\" : \"b\"")).isEqualTo("b");
    }

    @Test
    void literals_keywordsAreAttributeNames_stringsAreNfcNormalised() {
        Ast.Body b = Hcl.parse("spec.hcl", "true = true\nfalse = false\nnull = null\n");
        assertThat(b.attributes()).extracting(Ast.Attribute::name).containsExactly("true", "false", "null");
        assertThat(eval("\"an\u0303o\"")).isEqualTo("a\u00f1o");
        assertThat(eval("\"\uD83D\uDC69\uD83D\uDC69\"")).isEqualTo("\uD83D\uDC69\uD83D\uDC69");
    }
}
