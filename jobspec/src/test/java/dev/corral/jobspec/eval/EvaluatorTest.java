package dev.corral.jobspec.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.corral.jobspec.hcl.Hcl;
import dev.corral.jobspec.model.Value;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EvaluatorTest {

    static final Map<String, Value> GLOBALS = Map.of(
            "var", Value.fromJava(Map.of("name", "web", "n", 3, "list", List.of("a", "b", "c"))),
            "local", Value.fromJava(Map.of("objs", List.of(Map.of("id", 1, "tags", List.of("x")), Map.of("id", 2, "tags", List.of("y"))))));

    static Value eval(String src) {
        return new Evaluator(GLOBALS, Functions.standard(null)).evaluate(Hcl.parseExpression("t.hcl", src));
    }

    /** Compact JSON of the result, so expected values read naturally. */
    static String ev(String src) {
        return Functions.toJson(eval(src)).toString();
    }

    static String err(String src) {
        try {
            eval(src);
        } catch (EvalException e) {
            return e.getMessage();
        }
        throw new AssertionError("no error for " + src);
    }

    @Test
    void literalsOperatorsAndConditionals() {
        assertThat(ev("1 + 2 * 3")).isEqualTo("7");
        assertThat(ev("7 / 2")).isEqualTo("3.5");
        assertThat(ev("7 % 3")).isEqualTo("1");
        assertThat(ev("-var.n")).isEqualTo("-3");
        assertThat(ev("\"2\" + 1")).isEqualTo("3");
        assertThat(ev("1.50 == 1.5")).isEqualTo("true");
        assertThat(ev("\"a\" != \"b\" && !false")).isEqualTo("true");
        assertThat(ev("var.n > 2 ? \"big\" : \"small\"")).isEqualTo("\"big\"");
        assertThat(ev("1e3")).isEqualTo("1000");
        assertThat(ev("null")).isEqualTo("null");
    }

    @Test
    void templates_interpolateDirectivesAndUnwrapSingleInterpolation() {
        assertThat(ev("\"job-${var.name}-${var.n + 1}\"")).isEqualTo("\"job-web-4\"");
        assertThat(ev("\"${var.list}\"")).isEqualTo("[\"a\",\"b\",\"c\"]");
        assertThat(ev("\"%{ for x in var.list }${x};%{ endfor }\"")).isEqualTo("\"a;b;c;\"");
        assertThat(ev("\"%{ if var.n == 3 }three%{ else }other%{ endif }\"")).isEqualTo("\"three\"");
        assertThat(ev("\"$${literal}\"")).isEqualTo("\"${literal}\"");
    }

    @Test
    void runtimeReferences_stayVerbatim() {
        assertThat(ev("\"${NOMAD_TASK_DIR}/bin\"")).isEqualTo("\"${NOMAD_TASK_DIR}/bin\"");
        assertThat(ev("\"/usr/bin:${env[\"PATH\"]}\"")).isEqualTo("\"/usr/bin:${env[\\\"PATH\\\"]}\"");
        assertThat(ev("\"${attr.kernel.name}-${var.name}\"")).isEqualTo("\"${attr.kernel.name}-web\"");
        assertThat(ev("\"${node.unique.name}\"")).isEqualTo("\"${node.unique.name}\"");
        assertThat(ev("[\"${meta.rack}\", var.n]")).isEqualTo("[\"${meta.rack}\",3]");
        assertThat(ev("node.class")).isEqualTo("\"${node.class}\"");
        assertThat(ev("{ dev = device.gpu }")).isEqualTo("{\"dev\":\"${device.gpu}\"}");
        assertThat(ev("\"/opt/bin:${PATH}\"")).isEqualTo("\"/opt/bin:${PATH}\"");
        assertThat(ev("foo + 1")).isEqualTo("\"${foo + 1}\"");
        assertThat(ev("try(NOMAD_X, 1)")).isEqualTo("\"${NOMAD_X}\"");
    }

    @Test
    void unknownNames_areRememberedForAWarning_runtimeRootsAreNot() {
        Evaluator e = new Evaluator(GLOBALS, Functions.standard(null));
        e.evaluate(Hcl.parseExpression("t.hcl", "[imagee, NOMAD_TASK_DIR, attr.x, \"${PATH}\"]"));
        assertThat(e.unknownNames().keySet()).containsExactly("imagee", "PATH");
        assertThat(e.unknownNames().get("imagee").toString()).isEqualTo("t.hcl:1:2");
    }

    @Test
    void traversalsSplatsAndFor() {
        assertThat(ev("var.list[1]")).isEqualTo("\"b\"");
        assertThat(ev("var.list.0")).isEqualTo("\"a\"");
        assertThat(ev("local.objs[*].id")).isEqualTo("[1,2]");
        assertThat(ev("local.objs.*.id")).isEqualTo("[1,2]");
        assertThat(ev("local.objs[*].tags[0]")).isEqualTo("[\"x\",\"y\"]");
        assertThat(ev("[for i, v in var.list : \"${i}=${v}\" if i != 1]")).isEqualTo("[\"0=a\",\"2=c\"]");
        assertThat(ev("{for v in var.list : v => upper(v)}")).isEqualTo("{\"a\":\"A\",\"b\":\"B\",\"c\":\"C\"}");
        assertThat(ev("{for v in [\"a\", \"a\", \"b\"] : v => 1...}")).isEqualTo("{\"a\":[1,1],\"b\":[1]}");
        assertThat(ev("{for k, v in {b = 2, a = 1} : k => v}")).isEqualTo("{\"a\":1,\"b\":2}");
        assertThat(ev("{(var.name) = 1, \"x.y\" = 2}")).isEqualTo("{\"web\":1,\"x.y\":2}");
    }

    @Test
    void stringFunctions() {
        assertThat(ev("upper(\"ab\")")).isEqualTo("\"AB\"");
        assertThat(ev("lower(\"AB\")")).isEqualTo("\"ab\"");
        assertThat(ev("title(\"hello world\")")).isEqualTo("\"Hello World\"");
        assertThat(ev("format(\"%s-%03d-%.2f-%v-%q-%t\", \"a\", 7, 1.5, [1], \"q\", true)")).isEqualTo("\"a-007-1.50-[1]-\\\"q\\\"-true\"");
        assertThat(ev("formatlist(\"%s=%d\", [\"a\", \"b\"], 1)")).isEqualTo("[\"a=1\",\"b=1\"]");
        assertThat(ev("join(\",\", [\"a\", \"b\"])")).isEqualTo("\"a,b\"");
        assertThat(ev("split(\",\", \"a,b,,c\")")).isEqualTo("[\"a\",\"b\",\"\",\"c\"]");
        assertThat(ev("replace(\"a-b-c\", \"-\", \"+\")")).isEqualTo("\"a+b+c\"");
        assertThat(ev("replace(\"a1b22\", \"/[0-9]+/\", \"#\")")).isEqualTo("\"a#b#\"");
        assertThat(ev("regex_replace(\"abc\", \"(b)\", \"[$1]\")")).isEqualTo("\"a[b]c\"");
        assertThat(ev("regex(\"(\\\\d+)-(\\\\d+)\", \"10-20\")")).isEqualTo("[\"10\",\"20\"]");
        assertThat(ev("regexall(\"[a-z]\", \"a1b2\")")).isEqualTo("[\"a\",\"b\"]");
        assertThat(ev("substr(\"hello\", 1, 3)")).isEqualTo("\"ell\"");
        assertThat(ev("substr(\"hello\", -3, -1)")).isEqualTo("\"llo\"");
        assertThat(ev("trimspace(\"  x \\n\")")).isEqualTo("\"x\"");
        assertThat(ev("trim(\"xxhixx\", \"x\")")).isEqualTo("\"hi\"");
        assertThat(ev("trimprefix(\"prefix-a\", \"prefix-\")")).isEqualTo("\"a\"");
        assertThat(ev("trimsuffix(\"a.txt\", \".txt\")")).isEqualTo("\"a\"");
        assertThat(ev("chomp(\"a\\n\\n\")")).isEqualTo("\"a\"");
        assertThat(ev("indent(2, \"a\\nb\")")).isEqualTo("\"a\\n  b\"");
        assertThat(ev("strrev(\"abc\")")).isEqualTo("\"cba\"");
        assertThat(ev("strlen(\"h\u00e9\")")).isEqualTo("2");
        assertThat(ev("startswith(\"hello\", \"he\")")).isEqualTo("true");
        assertThat(ev("endswith(\"hello\", \"lo\")")).isEqualTo("true");
        assertThat(ev("strcontains(\"hello\", \"ell\")")).isEqualTo("true");
    }

    @Test
    void collectionFunctions() {
        assertThat(ev("length(var.list)")).isEqualTo("3");
        assertThat(ev("concat([1], [2, 3])")).isEqualTo("[1,2,3]");
        assertThat(ev("contains(var.list, \"b\")")).isEqualTo("true");
        assertThat(ev("index(var.list, \"c\")")).isEqualTo("2");
        assertThat(ev("element(var.list, 4)")).isEqualTo("\"b\"");
        assertThat(ev("slice(var.list, 1, 3)")).isEqualTo("[\"b\",\"c\"]");
        assertThat(ev("reverse([1, 2])")).isEqualTo("[2,1]");
        assertThat(ev("distinct([1, 1, 2])")).isEqualTo("[1,2]");
        assertThat(ev("compact([\"a\", \"\", null])")).isEqualTo("[\"a\"]");
        assertThat(ev("flatten([[1, [2]], 3])")).isEqualTo("[1,2,3]");
        assertThat(ev("sort([\"b\", \"a\"])")).isEqualTo("[\"a\",\"b\"]");
        assertThat(ev("keys({b = 1, a = 2})")).isEqualTo("[\"a\",\"b\"]");
        assertThat(ev("values({b = 1, a = 2})")).isEqualTo("[2,1]");
        assertThat(ev("lookup({a = 1}, \"b\", 0)")).isEqualTo("0");
        assertThat(ev("merge({a = 1}, {b = 2}, {a = 3})")).isEqualTo("{\"a\":3,\"b\":2}");
        assertThat(ev("zipmap([\"a\", \"b\"], [1, 2])")).isEqualTo("{\"a\":1,\"b\":2}");
        assertThat(ev("coalesce(\"\", \"x\")")).isEqualTo("\"x\"");
        assertThat(ev("coalescelist([], [1])")).isEqualTo("[1]");
        assertThat(ev("chunklist([1, 2, 3], 2)")).isEqualTo("[[1,2],[3]]");
        assertThat(ev("range(3)")).isEqualTo("[0,1,2]");
        assertThat(ev("range(1, 7, 2)")).isEqualTo("[1,3,5]");
        assertThat(ev("setunion([1], [1, 2])")).isEqualTo("[1,2]");
        assertThat(ev("setintersection([1, 2], [2, 3])")).isEqualTo("[2]");
        assertThat(ev("setsubtract([1, 2], [2])")).isEqualTo("[1]");
        assertThat(ev("setproduct([1, 2], [\"a\"])")).isEqualTo("[[1,\"a\"],[2,\"a\"]]");
        assertThat(ev("transpose({a = [\"1\", \"2\"], b = [\"1\"]})")).isEqualTo("{\"1\":[\"a\",\"b\"],\"2\":[\"a\"]}");
        assertThat(ev("alltrue([true, true])")).isEqualTo("true");
        assertThat(ev("anytrue([false, true])")).isEqualTo("true");
        assertThat(ev("one([])")).isEqualTo("null");
        assertThat(ev("sum([1, 2.5])")).isEqualTo("3.5");
        assertThat(ev("max(var.list...)".replace("var.list", "[1, 5, 3]"))).isEqualTo("5");
        assertThat(ev("tolist(toset([\"a\", \"a\"]))")).isEqualTo("[\"a\"]");
        assertThat(ev("tomap({a = 1})")).isEqualTo("{\"a\":1}");
    }

    @Test
    void numericAndConversionFunctions() {
        assertThat(ev("abs(-2)")).isEqualTo("2");
        assertThat(ev("ceil(1.2)")).isEqualTo("2");
        assertThat(ev("floor(1.8)")).isEqualTo("1");
        assertThat(ev("min(3, 1, 2)")).isEqualTo("1");
        assertThat(ev("pow(2, 10)")).isEqualTo("1024");
        assertThat(ev("log(8, 2)")).isEqualTo("3");
        assertThat(ev("signum(-5)")).isEqualTo("-1");
        assertThat(ev("parseint(\"ff\", 16)")).isEqualTo("255");
        assertThat(ev("tonumber(\"42\")")).isEqualTo("42");
        assertThat(ev("tostring(5)")).isEqualTo("\"5\"");
        assertThat(ev("tobool(\"true\")")).isEqualTo("true");
        assertThat(ev("int(-3.7)")).isEqualTo("-3");
        assertThat(ev("convert([1, \"2\"], list(number))")).isEqualTo("[1,2]");
        assertThat(ev("convert({a = 1}, map(string))")).isEqualTo("{\"a\":\"1\"}");
        assertThat(err("convert(\"x\", number)")).isEqualTo("t.hcl:1:9: convert(): expected a number, got the string \"x\"");
        assertThat(ev("hasindex([1, 2], 1)")).isEqualTo("true");
        assertThat(ev("hasindex([1, 2], 2)")).isEqualTo("false");
        assertThat(ev("hasindex({a = 1}, \"a\")")).isEqualTo("true");
    }

    @Test
    void encodingAndHashFunctions() {
        assertThat(ev("jsonencode({a = [1, true, null]})")).isEqualTo("\"{\\\"a\\\":[1,true,null]}\"");
        assertThat(ev("jsondecode(\"{\\\"a\\\": [1, 2]}\")")).isEqualTo("{\"a\":[1,2]}");
        assertThat(ev("base64encode(\"hello\")")).isEqualTo("\"aGVsbG8=\"");
        assertThat(ev("base64decode(\"aGVsbG8=\")")).isEqualTo("\"hello\"");
        assertThat(ev("urlencode(\"a b&c\")")).isEqualTo("\"a%20b%26c\"");
        assertThat(ev("csvdecode(\"a,b\\n1,2\\n\")")).isEqualTo("[{\"a\":\"1\",\"b\":\"2\"}]");
        assertThat(ev("md5(\"hello\")")).isEqualTo("\"5d41402abc4b2a76b9719d911017c592\"");
        assertThat(ev("sha1(\"hello\")")).isEqualTo("\"aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d\"");
        assertThat(ev("sha256(\"hello\")")).isEqualTo("\"2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824\"");
        assertThat(ev("uuidv5(\"dns\", \"example.com\")")).isEqualTo("\"cfbff0d1-9375-5685-968c-48ce8b15ae17\"");
        assertThat(ev("try(var.missing, \"fallback\")")).isEqualTo("\"fallback\"");
        assertThat(ev("can(var.list[5])")).isEqualTo("false");
    }

    @Test
    void networkFunctions() {
        assertThat(ev("cidrhost(\"10.12.112.0/20\", 16)")).isEqualTo("\"10.12.112.16\"");
        assertThat(ev("cidrhost(\"10.12.112.0/20\", 268)")).isEqualTo("\"10.12.113.12\"");
        assertThat(ev("cidrhost(\"fd00:fd12:3456:7890:00a2::/72\", 34)")).isEqualTo("\"fd00:fd12:3456:7890::22\"");
        assertThat(ev("cidrnetmask(\"172.16.0.0/12\")")).isEqualTo("\"255.240.0.0\"");
        assertThat(ev("cidrsubnet(\"172.16.0.0/12\", 4, 2)")).isEqualTo("\"172.18.0.0/16\"");
        assertThat(ev("cidrsubnet(\"10.1.2.0/24\", 4, 15)")).isEqualTo("\"10.1.2.240/28\"");
        assertThat(ev("cidrsubnets(\"10.1.0.0/16\", 4, 4, 8, 4)"))
                .isEqualTo("[\"10.1.0.0/20\",\"10.1.16.0/20\",\"10.1.32.0/24\",\"10.1.48.0/20\"]");
        assertThat(err("cidrhost(\"10.0.0.0/30\", 4)")).contains("does not accommodate a host numbered 4");
        assertThat(err("cidrsubnet(\"not-an-ip/8\", 1, 1)")).contains("invalid IP address \"not-an-ip\"");
        assertThat(eval("uuidv4()").toJava().toString()).matches("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
    }

    @Test
    void fileFunctions_resolveRelativeToTheJobFile(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("a.txt"), "content");
        Evaluator e = new Evaluator(Map.of(), Functions.standard(dir));
        assertThat(e.evaluate(Hcl.parseExpression("t", "file(\"a.txt\")"))).isEqualTo(Value.of("content"));
        assertThat(e.evaluate(Hcl.parseExpression("t", "fileexists(\"nope\")"))).isEqualTo(new Value.Bool(false));
        assertThat(e.evaluate(Hcl.parseExpression("t", "filebase64(\"a.txt\")"))).isEqualTo(Value.of("Y29udGVudA=="));
        assertThat(e.evaluate(Hcl.parseExpression("t", "basename(\"/x/y.txt\")"))).isEqualTo(Value.of("y.txt"));
        assertThat(e.evaluate(Hcl.parseExpression("t", "dirname(\"/x/y.txt\")"))).isEqualTo(Value.of("/x"));
        Files.createDirectories(dir.resolve("conf/sub"));
        Files.writeString(dir.resolve("conf/a.hcl"), "");
        Files.writeString(dir.resolve("conf/sub/b.hcl"), "");
        Files.writeString(dir.resolve("conf/c.txt"), "");
        assertThat(e.evaluate(Hcl.parseExpression("t", "fileset(\"conf\", \"**.hcl\")"))).isEqualTo(Value.fromJava(List.of("a.hcl", "sub/b.hcl")));
        assertThatThrownBy(() -> e.evaluate(Hcl.parseExpression("t", "file(\"missing.txt\")")))
                .isInstanceOf(EvalException.class).hasMessageContaining("t:1:1: file(): cannot read " + dir.resolve("missing.txt"));
    }

    @Test
    void errors_namePositionAndFix() {
        assertThat(err("var.nam")).isEqualTo("t.hcl:1:1: no variable \"nam\" is declared; add a variable \"nam\" block; did you mean \"name\"?");
        assertThat(err("uper(\"x\")")).isEqualTo("t.hcl:1:1: unknown function \"uper\"; did you mean \"upper\"?");
        assertThat(err("upper(\"a\", \"b\")")).isEqualTo("t.hcl:1:1: upper() takes 1 argument, got 2");
        assertThat(err("1 / 0")).isEqualTo("t.hcl:1:5: division by zero");
        assertThat(err("var.list[7]")).isEqualTo("t.hcl:1:10: index 7 is out of range for a list of 3 elements");
        assertThat(err("\"a\" + 1")).startsWith("t.hcl:1:1: left operand of +: expected a number, got the string \"a\"");
        assertThat(err("{for v in [\"a\", \"a\"] : v => 1}")).startsWith("t.hcl:1:24: duplicate key \"a\"");
        assertThat(err("range(10000000)")).contains("range() would produce more than");
        assertThat(err("\"%{ if node.class == \"x\" }y%{ endif }\"")).contains("template directives cannot depend on runtime values");
        assertThat(err("1e2000000000 * 1e2000000000")).contains("out of range");
    }
}
