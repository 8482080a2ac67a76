package dev.corral.plugin.hclspec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.corral.plugin.cty.CtyValue;
import dev.corral.plugin.proto.hclspec.HclSpecPb.Spec;
import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SpecValidatorTest {

    @Test
    void builders_produceNomadWireShape() throws Exception {
        Spec s = Specs.withDefault(Specs.attr("mode", "string", false), Specs.literalString("private"));
        // Spec.default = 9 -> tag 0x4a; Default.primary = 1, Default.default = 2; Spec.Attr = 3; Literal.value = 1.
        byte[] wire = s.toByteArray();
        assertThat(wire[0]).isEqualTo((byte) 0x4a);
        Spec parsed = Spec.parseFrom(wire);
        assertThat(parsed.getDefault().getPrimary().getAttr().getName()).isEqualTo("mode");
        assertThat(parsed.getDefault().getDefault().getLiteral().getValue()).isEqualTo("\"private\"");
    }

    @Test
    void validSpec_everyKind_hasNoProblems() {
        Map<String, Spec> attrs = new LinkedHashMap<>();
        attrs.put("a", Specs.attr("", "list(string)", true));
        attrs.put("b", Specs.block("", false, Specs.object(Map.of("x", Specs.attr("", "number", false)))));
        attrs.put("c", Specs.blockAttrs("", "string", false));
        attrs.put("d", Specs.blockList("", 0, 2, Specs.object(Map.of())));
        attrs.put("e", Specs.blockSet("", 1, 0, Specs.object(Map.of())));
        attrs.put("f", Specs.blockMap("", List.of("name"), Specs.object(Map.of())));
        attrs.put("g", Specs.withDefault(Specs.attr("g", "map(number)", false), Specs.literal("{a = 1}")));
        attrs.put("h", Specs.array(List.of(Specs.attr("h0", "tuple([string, bool])", false))));
        attrs.put("i", Specs.attr("", "object({k = string, n = set(any)})", false));
        assertThat(SpecValidator.problems(Specs.object(attrs))).isEmpty();
    }

    @Test
    void defaultPrimary_withoutExplicitName_isRejectedLikeNomad() {
        Spec s = Specs.object(Map.of("mode", Specs.withDefault(Specs.attr("", "string", false), Specs.literal("\"x\""))));
        assertThat(SpecValidator.problems(s)).containsExactly(
                "spec.mode.primary: Attr has no name (set it explicitly inside a Default or Array)");
    }

    @Test
    void brokenPieces_eachReportedWithPath() {
        Map<String, Spec> attrs = new LinkedHashMap<>();
        attrs.put("t", Specs.attr("", "", false));
        attrs.put("u", Specs.attr("", "lst(string)", false));
        attrs.put("m", Specs.blockMap("", List.of(), Specs.object(Map.of())));
        attrs.put("l", Specs.withDefault(Specs.attr("l", "bool", false), Specs.literal("yes")));
        attrs.put("n", Specs.blockList("", 3, 2, Specs.object(Map.of())));
        assertThat(SpecValidator.problems(Specs.object(attrs))).containsExactlyInAnyOrder(
                "spec.t: type expression is empty",
                "spec.u: type lst(string): column 4: unknown type \"lst\"",
                "spec.m: BlockMap needs at least one label",
                "spec.l.default: literal yes: column 4: unknown name \"yes\" (a Literal has no variables)",
                "spec.n: min_items 3 is greater than max_items 2");
        assertThatThrownBy(() -> SpecValidator.requireValid(Specs.object(attrs))).hasMessageStartingWith("invalid hclspec: ");
    }

    @ParameterizedTest
    @ValueSource(strings = {"plain", "with \"quotes\" and \\ backslash", "tab\tnew\nline", "${not_interpolated}", "%{x}", "é ☃ \uD83D\uDE00", "$$ and $"})
    void literalString_quotesSoThatNomadReadsTheSameString(String s) {
        assertThat(HclLiteral.evaluate(Specs.literalString(s).getLiteral().getValue())).isEqualTo(new CtyValue.Str(s));
    }

    @Test
    void literals_evaluate() {
        assertThat(HclLiteral.evaluate("true")).isEqualTo(new CtyValue.Bool(true));
        assertThat(HclLiteral.evaluate(" -1.5e2 ")).isEqualTo(CtyValue.Num.of(new BigDecimal("-150")));
        assertThat(HclLiteral.evaluate("null")).isEqualTo(CtyValue.NULL);
        assertThat(HclLiteral.evaluate("[\"a\", \"b\",]")).isEqualTo(new CtyValue.Seq(List.of(new CtyValue.Str("a"), new CtyValue.Str("b"))));
        assertThat(HclLiteral.evaluate("[]")).isEqualTo(new CtyValue.Seq(List.of()));
        assertThat(HclLiteral.evaluate("{b = 1, \"a\" : \"\\u00e9\"}")).isEqualTo(new CtyValue.Dict(Map.of(
                "a", new CtyValue.Str("é"), "b", CtyValue.Num.of(1))));
        assertThatThrownBy(() -> HclLiteral.evaluate("\"${x}\"")).hasMessageContaining("template sequences");
        assertThatThrownBy(() -> HclLiteral.evaluate("[1")).hasMessageContaining("expected ']'");
    }
}
