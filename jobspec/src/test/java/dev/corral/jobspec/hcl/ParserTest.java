package dev.corral.jobspec.hcl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.corral.jobspec.hcl.Ast.Attribute;
import dev.corral.jobspec.hcl.Ast.Block;
import dev.corral.jobspec.hcl.Ast.Body;
import dev.corral.jobspec.hcl.Ast.Expr;
import dev.corral.jobspec.hcl.Ast.Interpolation;
import dev.corral.jobspec.hcl.Ast.Template;
import org.junit.jupiter.api.Test;

class ParserTest {

    private static Expr expr(String src) {
        Body b = Hcl.parse("t.hcl", "x = " + src + "\n");
        return b.attribute("x").expr();
    }

    private static String sx(String src) {
        return Sexp.of(expr(src));
    }

    private static String err(String src) {
        try {
            Hcl.parse("job.hcl", src);
        } catch (ParseException e) {
            return e.getMessage();
        }
        throw new AssertionError("no error for: " + src);
    }

    // ----------------------------------------------------------- structure

    @Test
    void body_attributesAndBlocksWithLabels_keepOrderAndPositions() {
        Body b = Hcl.parse("job.hcl", """
                a = 1
                job "web" {
                  group api x {
                    count = 2
                  }
                }
                empty {}
                one { k = "v" }
                """);
        assertThat(b.items()).extracting(Ast.BodyItem::name).containsExactly("a", "job", "empty", "one");
        Block job = b.blocks("job").getFirst();
        assertThat(job.labels()).extracting(Ast.Label::value).containsExactly("web");
        assertThat(job.pos().toString()).isEqualTo("job.hcl:2:1");
        Block group = job.body().blocks("group").getFirst();
        assertThat(group.labels()).extracting(Ast.Label::value).containsExactly("api", "x");
        assertThat(group.pos().toString()).isEqualTo("job.hcl:3:3");
        Attribute count = group.body().attribute("count");
        assertThat(count.pos().toString()).isEqualTo("job.hcl:4:5");
        assertThat(count.expr().pos().toString()).isEqualTo("job.hcl:4:13");
        assertThat(b.blocks("empty").getFirst().body().items()).isEmpty();
        assertThat(Sexp.of(b.blocks("one").getFirst().body().attribute("k").expr())).isEqualTo("(tpl 'v')");
    }

    @Test
    void comments_allThreeKinds_areIgnored() {
        Body b = Hcl.parse("c.hcl", """
                # hash
                // slashes
                a = 1 # trailing
                b = /* inline */ 2 // trailing
                /* multi
                   line */
                c = [1, /* in list */ 2]
                """);
        assertThat(b.attributes()).extracting(Attribute::name).containsExactly("a", "b", "c");
        assertThat(Sexp.of(b.attribute("c").expr())).isEqualTo("[1 2]");
    }

    @Test
    void emptyFileAndCrlfLineEnds_parse() {
        assertThat(Hcl.parse("e.hcl", "").items()).isEmpty();
        assertThat(Hcl.parse("e.hcl", "\n\n# only a comment").items()).isEmpty();
        Body b = Hcl.parse("w.hcl", "a = 1\r\nb {\r\n  c = \"x\"\r\n}\r\n");
        assertThat(b.blocks("b").getFirst().body().attribute("c")).isNotNull();
    }

    @Test
    void lastLineWithoutNewline_parses() {
        assertThat(Hcl.parse("e.hcl", "a = 1").attribute("a")).isNotNull();
        assertThat(Hcl.parse("e.hcl", "a {\n}").blocks()).hasSize(1);
    }

    // ----------------------------------------------------------- literals

    @Test
    void numbers_intFloatExponent() {
        assertThat(sx("42")).isEqualTo("42");
        assertThat(sx("3.25")).isEqualTo("3.25");
        assertThat(sx("1e3")).isEqualTo("1E+3");
        assertThat(sx("2.5E-2")).isEqualTo("0.025");
        assertThat(sx("1e+2")).isEqualTo("1E+2");
        assertThat(sx("-7")).isEqualTo("(- 7)");
    }

    @Test
    void boolAndNull() {
        assertThat(sx("true")).isEqualTo("true");
        assertThat(sx("false")).isEqualTo("false");
        assertThat(sx("null")).isEqualTo("null");
    }

    @Test
    void strings_allEscapes() {
        Template t = (Template) expr("\"a\\nb\\tc\\\"d\\\\e\\u00e9\\U0001F600\\r\"");
        assertThat(t.isLiteral()).isTrue();
        assertThat(t.literalValue()).isEqualTo("a\nb\tc\"d\\e\u00e9\uD83D\uDE00\r");
    }

    @Test
    void strings_dollarAndPercentEscapes_areLiteral() {
        Template t = (Template) expr("\"$${NOT} %%{ if } $x %y\"");
        assertThat(t.isLiteral()).isTrue();
        assertThat(t.literalValue()).isEqualTo("${NOT} %{ if } $x %y");
    }

    @Test
    void template_interpolationKeepsRawText() {
        Template t = (Template) expr("\"/usr/bin:${env[\"PATH\"]} ${ NOMAD_TASK_DIR }\"");
        assertThat(Sexp.of(t)).isEqualTo("(tpl '/usr/bin:' ${([] env (tpl 'PATH'))} ' ' ${NOMAD_TASK_DIR})");
        assertThat(t.parts()).filteredOn(Interpolation.class::isInstance)
                .extracting(p -> p.span().text()).containsExactly("${env[\"PATH\"]}", "${ NOMAD_TASK_DIR }");
        assertThat(t.text()).isEqualTo("\"/usr/bin:${env[\"PATH\"]} ${ NOMAD_TASK_DIR }\"");
    }

    @Test
    void template_nestedStringsInsideInterpolation() {
        assertThat(sx("\"a${upper(\"b${c}\")}d\"")).isEqualTo("(tpl 'a' ${(upper (tpl 'b' ${c}))} 'd')");
    }

    @Test
    void template_directivesAndStripMarkers() {
        assertThat(sx("\"%{ if a }yes%{ else }no%{ endif }\"")).isEqualTo("(tpl (if a ('yes') ('no')))");
        assertThat(sx("\"%{ for k, v in m }${k}=${v} %{ endfor }\"")).isEqualTo("(tpl (for k,v m (${k} '=' ${v} ' ')))");
        assertThat(sx("\"hello ${~ \"world\" }\"")).isEqualTo("(tpl 'hello' ${(tpl 'world')})");
        assertThat(sx("\"%{ if true ~} hello %{~ endif }\"")).isEqualTo("(tpl (if true ('hello') ()))");
    }

    @Test
    void heredoc_keepsLinesAndInterpolations() {
        Body b = Hcl.parse("h.hcl", "x = <<EOT\n  Foo ${a}\n  Bar\nEOT\ny = 1\n");
        Template t = (Template) b.attribute("x").expr();
        assertThat(t.heredoc()).isTrue();
        assertThat(Sexp.of(t)).isEqualTo("(tpl '  Foo ' ${a} '\n  Bar\n')");
        assertThat(b.attribute("y")).isNotNull();
    }

    @Test
    void heredoc_indentedStripsCommonIndentation() {
        Body b = Hcl.parse("h.hcl", """
                x = <<-EOT
                    Foo
                      Bar

                    ${baz}
                    EOT
                """);
        assertThat(Sexp.of(b.attribute("x").expr())).isEqualTo("(tpl 'Foo\n  Bar\n\n' ${baz} '\n')");
    }

    @Test
    void heredoc_markerInsideTextIsNotTheEnd_andEscapesAreLiteral() {
        Body b = Hcl.parse("h.hcl", "x = <<EOH\nNOT EOH\n\\n $${X}\nEOH\n");
        Template t = (Template) b.attribute("x").expr();
        assertThat(t.literalValue()).isEqualTo("NOT EOH\n\\n ${X}\n");
    }

    // ----------------------------------------------------------- collections

    @Test
    void tuplesAndObjects_trailingCommasNewlinesAndKeyForms() {
        assertThat(sx("[1, 2, 3,]")).isEqualTo("[1 2 3]");
        assertThat(sx("[\n  1,\n  2\n]")).isEqualTo("[1 2]");
        assertThat(sx("[]")).isEqualTo("[]");
        assertThat(sx("{}")).isEqualTo("{}");
        assertThat(sx("{a = 1, \"b.c\" : 2, (k) = 3,}")).isEqualTo("{a=1 (tpl 'b.c')=2 (paren k)=3}");
        assertThat(sx("{\n  a = 1\n  b = [\n    2,\n  ]\n}")).isEqualTo("{a=1 b=[2]}");
    }

    @Test
    void forExpressions() {
        assertThat(sx("[for v in list : upper(v)]")).isEqualTo("(for v list (upper v))");
        assertThat(sx("[for i, v in list : v if i < 2]")).isEqualTo("(for i,v list v if (< i 2))");
        assertThat(sx("{for k, v in m : v => k...}")).isEqualTo("(for k,v m v => k ...)");
        assertThat(sx("{\n for k, v in m :\n k => v\n if v != null\n}")).isEqualTo("(for k,v m k => v if (!= v null))");
    }

    // ----------------------------------------------------------- operators

    @Test
    void operators_followHclPrecedence() {
        assertThat(sx("1 + 2 * 3")).isEqualTo("(+ 1 (* 2 3))");
        assertThat(sx("a || b && c")).isEqualTo("(|| a (&& b c))");
        assertThat(sx("a == b || c != d")).isEqualTo("(|| (== a b) (!= c d))");
        assertThat(sx("1 < 2 == true")).isEqualTo("(== (< 1 2) true)");
        assertThat(sx("x / y * z")).isEqualTo("(* (/ x y) z)");
        assertThat(sx("10 - 2 - 3")).isEqualTo("(- (- 10 2) 3)");
        assertThat(sx("!a && -b > 0")).isEqualTo("(&& (! a) (> (- b) 0))");
        assertThat(sx("(1 + 2) % 2")).isEqualTo("(% (paren (+ 1 2)) 2)");
        assertThat(sx("a >= b && c <= d")).isEqualTo("(&& (>= a b) (<= c d))");
    }

    @Test
    void conditionals_nestRight() {
        assertThat(sx("a ? b : c ? d : e")).isEqualTo("(? a b (? c d e))");
        assertThat(sx("x > 1 ? \"big\" : \"small\"")).isEqualTo("(? (> x 1) (tpl 'big') (tpl 'small'))");
    }

    @Test
    void functionCalls_withExpansionAndNewlines() {
        assertThat(sx("f()")).isEqualTo("(f)");
        assertThat(sx("concat(a, [1],)")).isEqualTo("(concat a [1])");
        assertThat(sx("max(list...)")).isEqualTo("(max list ...)");
        assertThat(sx("format(\n  \"%s\",\n  x\n)")).isEqualTo("(format (tpl '%s') x)");
    }

    @Test
    void traversalsIndexesAndSplats() {
        assertThat(sx("node.unique.name")).isEqualTo("(. (. node unique) name)");
        assertThat(sx("a[0][\"k\"].b")).isEqualTo("(. ([] ([] a 0) (tpl 'k')) b)");
        assertThat(sx("a.0.b")).isEqualTo("(. ([] a 0) b)");
        assertThat(sx("list.*.id")).isEqualTo("(.* list (. @ id))");
        assertThat(sx("list.*.id[0]")).isEqualTo("([] (.* list (. @ id)) 0)");
        assertThat(sx("list[*].a[0]")).isEqualTo("([*] list ([] (. @ a) 0))");
        assertThat(sx("f(x).y")).isEqualTo("(. (f x) y)");
    }

    @Test
    void identifiersMayContainDashes() {
        assertThat(Hcl.parse("d.hcl", "kill-timeout = 1\n").attribute("kill-timeout")).isNotNull();
        assertThat(sx("a - b")).isEqualTo("(- a b)");
        assertThat(sx("a-b")).isEqualTo("a-b");
    }

    @Test
    void expressionSpans_keepSourceText() {
        Expr e = expr("upper( \"x\" ) + 1");
        assertThat(e.text()).isEqualTo("upper( \"x\" ) + 1");
    }

    // ----------------------------------------------------------- errors

    @Test
    void errors_missingEqualsOrBrace() {
        assertThat(err("job \"x\" {\n  group \"g\" {\n    count 3\n  }\n}\n"))
                .isEqualTo("job.hcl:3:11: expected \"=\" or \"{\" after \"count\", found number 3");
        assertThat(err("job \"x\" 3")).isEqualTo("job.hcl:1:9: expected \"{\" to open the \"job\" block, found number 3");
    }

    @Test
    void errors_unclosedBlockAndString() {
        assertThat(err("job \"x\" {\n  count = \n")).isEqualTo("job.hcl:2:11: expected a value for \"count\" after \"=\", found newline");
        assertThat(err("job \"x\" {\n  a = 1\n")).isEqualTo("job.hcl:3:1: unexpected end of file: the block opened at job.hcl:1:9 has no closing \"}\"");
        assertThat(err("a = \"abc\nb = 1\n")).startsWith("job.hcl:1:9: unterminated string");
        assertThat(err("a = \"abc")).startsWith("job.hcl:1:5: unterminated string");
        assertThat(err("}")).isEqualTo("job.hcl:1:1: unexpected \"}\": there is no open block to close");
    }

    @Test
    void errors_badEscapesAndCharacters() {
        assertThat(err("a = \"\\q\"")).startsWith("job.hcl:1:6: invalid escape sequence \"\\q\"");
        assertThat(err("a = \"\\u12\"")).startsWith("job.hcl:1:6: invalid escape sequence: \\u needs exactly 4");
        assertThat(err("a = 'x'")).startsWith("job.hcl:1:5: single quotes are not valid");
        assertThat(err("a = 1 @ 2")).isEqualTo("job.hcl:1:7: invalid character \"@\"");
        assertThat(err("a = ${x}")).startsWith("job.hcl:1:5: interpolation \"${\" is only valid inside a string");
        assertThat(err("a = 1e")).startsWith("job.hcl:1:6: invalid number");
    }

    @Test
    void errors_quotedAttributeNameInBlock_suggestsMapAttribute() {
        assertThat(err("meta {\n  \"a.b\" = \"x\"\n}\n")).isEqualTo("job.hcl:2:3: attribute names in a block cannot be quoted; "
                + "for keys such as \"a.b\" write a map attribute instead, e.g. meta = { \"a.b\" = \"x\" }");
    }

    @Test
    void errors_duplicateAttributeNamesTheFirst() {
        assertThat(err("a = 1\nb = 2\na = 3\n")).isEqualTo(
                "job.hcl:3:1: attribute \"a\" is already set at job.hcl:1:1; each attribute may be set only once per block");
    }

    @Test
    void errors_attributesMustEndTheLine() {
        assertThat(err("a = 1 b = 2\n")).isEqualTo("job.hcl:1:7: expected a newline after the value of \"a\", found \"b\"");
        assertThat(err("x {\n  a = 1 }\n")).endsWith("put the closing \"}\" on its own line");
        assertThat(err("x { a = 1\n b = 2 }\n")).startsWith("job.hcl:1:10: a block written on one line can hold only one attribute");
        assertThat(err("x { y {} }\n")).startsWith("job.hcl:1:7: a block written on one line can hold only one attribute");
    }

    @Test
    void errors_invalidOneLineFormsFromTheSpecSuite() {
        assertThat(err("a { b = \"foo\", c = \"bar\" }\n")).contains("can hold only one attribute");
        assertThat(err("a { b = \"foo\"\n}\n")).contains("can hold only one attribute");
        assertThat(err("a { b = \"foo\"\n  c = \"bar\" }\n")).contains("can hold only one attribute");
        assertThat(err("a { d {} }\n")).contains("can hold only one attribute");
        assertThat(err("a = \"a value\", b = \"b value\"\n")).isEqualTo("job.hcl:1:14: expected a newline after the value of \"a\", found \",\"");
    }

    @Test
    void errors_templates() {
        assertThat(err("a = \"${x\"")).startsWith("job.hcl:1:9: expected \"}\" to close the interpolation opened at job.hcl:1:6");
        assertThat(err("a = \"%{ if x }y\"")).startsWith("job.hcl:1:5: a template directive is not closed");
        assertThat(err("a = \"%{ endif }\"")).startsWith("job.hcl:1:6: unexpected %{ endif } without a matching %{ if }");
        assertThat(err("a = \"%{ bogus }\"")).startsWith("job.hcl:1:9: expected if, else, endif, for or endfor");
        assertThat(err("a = <<EOT\nabc\n")).startsWith("job.hcl:1:5: unterminated heredoc: no line with only \"EOT\"");
        assertThat(err("a = << EOT\n")).startsWith("job.hcl:1:7: invalid heredoc");
        assertThat(err("job \"${x}\" {\n}\n")).startsWith("job.hcl:1:5: block labels must be plain strings");
    }

    @Test
    void errors_collections() {
        assertThat(err("a = [1 2]")).startsWith("job.hcl:1:8: expected \",\" or \"]\" in the list opened at job.hcl:1:5");
        assertThat(err("a = {b 1}")).startsWith("job.hcl:1:8: expected \"=\" or \":\" after the object key b");
        assertThat(err("a = {for = 1}")).startsWith("job.hcl:1:10: expected a variable name after \"for\"");
        assertThat(err("a = f(x..., y)")).startsWith("job.hcl:1:11: \"...\" may only follow the last argument");
        assertThat(err("a = [for x in y]")).startsWith("job.hcl:1:16: expected \":\" after the collection");
        assertThat(err("a = b.0.1")).startsWith("job.hcl:1:7: invalid index \".0.1\"");
    }

    @Test
    void errors_deepNestingIsRefusedNotOverflowed() {
        String deep = "a = " + "[".repeat(5000) + "]".repeat(5000) + "\n";
        assertThat(err(deep)).contains("nesting is too deep");
        String bang = "a = " + "!".repeat(5000) + "x\n";
        assertThat(err(bang)).contains("nesting is too deep");
    }

    @Test
    void bareTemplate_likeAJsonString() {
        assertThat(Sexp.of(Hcl.parseTemplate("cfg", "a\\n${b}$${c} %{ if d }e%{ endif }"))).isEqualTo("(tpl 'a\\n' ${b} '${c} ' (if d ('e') ()))");
        assertThatThrownBy(() -> Hcl.parseTemplate("cfg", "x ${y")).isInstanceOf(ParseException.class)
                .hasMessageStartingWith("cfg:1:6: expected \"}\" to close the interpolation opened at cfg:1:3");
    }

    @Test
    void standaloneExpression_forVarValues() {
        assertThat(Sexp.of(Hcl.parseExpression("-var", "[\n\"a\",\n\"b\"\n]"))).isEqualTo("[(tpl 'a') (tpl 'b')]");
        assertThatThrownBy(() -> Hcl.parseExpression("-var", "1 2")).isInstanceOf(ParseException.class)
                .hasMessage("-var:1:3: unexpected number 2 after the expression");
    }
}
