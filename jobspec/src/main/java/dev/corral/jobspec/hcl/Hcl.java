package dev.corral.jobspec.hcl;

import dev.corral.jobspec.hcl.Ast.Body;
import dev.corral.jobspec.hcl.Ast.Expr;

/** Entry points of the HCL2 native-syntax parser. */
public final class Hcl {

    private Hcl() {
    }

    /**
     * Parses a whole configuration file.
     *
     * @param file   the name used in positions and error messages
     * @param source the file's text
     * @throws ParseException on the first syntax error, with file:line:col
     */
    public static Body parse(String file, String source) {
        return new Parser(file, source).parseFile();
    }

    /**
     * Parses text as a bare template, the way HCL reads a JSON string: {@code ${...}} and
     * {@code %{...}} sequences, {@code $${} / {@code %%{} escapes, no backslash escapes.
     *
     * @throws ParseException on a malformed sequence
     */
    public static Ast.Template parseTemplate(String file, String text) {
        return new Parser(file, text).parseBareTemplate();
    }

    /**
     * Parses one expression (newlines are insignificant), as used for {@code -var} values.
     *
     * @throws ParseException on a syntax error or trailing input
     */
    public static Expr parseExpression(String file, String source) {
        return new Parser(file, source).parseStandaloneExpression();
    }
}
