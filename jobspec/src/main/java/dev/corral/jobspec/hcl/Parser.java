package dev.corral.jobspec.hcl;

import dev.corral.jobspec.SourcePos;
import dev.corral.jobspec.hcl.Ast.Attribute;
import dev.corral.jobspec.hcl.Ast.Binary;
import dev.corral.jobspec.hcl.Ast.Block;
import dev.corral.jobspec.hcl.Ast.Body;
import dev.corral.jobspec.hcl.Ast.BodyItem;
import dev.corral.jobspec.hcl.Ast.Conditional;
import dev.corral.jobspec.hcl.Ast.Expr;
import dev.corral.jobspec.hcl.Ast.ForDirective;
import dev.corral.jobspec.hcl.Ast.ForExpr;
import dev.corral.jobspec.hcl.Ast.FunctionCall;
import dev.corral.jobspec.hcl.Ast.GetAttr;
import dev.corral.jobspec.hcl.Ast.IfDirective;
import dev.corral.jobspec.hcl.Ast.Index;
import dev.corral.jobspec.hcl.Ast.Interpolation;
import dev.corral.jobspec.hcl.Ast.Label;
import dev.corral.jobspec.hcl.Ast.Literal;
import dev.corral.jobspec.hcl.Ast.ObjectCons;
import dev.corral.jobspec.hcl.Ast.ObjectItem;
import dev.corral.jobspec.hcl.Ast.Parens;
import dev.corral.jobspec.hcl.Ast.Span;
import dev.corral.jobspec.hcl.Ast.Splat;
import dev.corral.jobspec.hcl.Ast.SplatItem;
import dev.corral.jobspec.hcl.Ast.Template;
import dev.corral.jobspec.hcl.Ast.TemplateLiteral;
import dev.corral.jobspec.hcl.Ast.TemplatePart;
import dev.corral.jobspec.hcl.Ast.Tuple;
import dev.corral.jobspec.hcl.Ast.Unary;
import dev.corral.jobspec.hcl.Ast.Variable;
import dev.corral.jobspec.hcl.Token.Type;
import java.math.BigDecimal;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Recursive-descent parser for the HCL2 native syntax (hashicorp/hcl hclsyntax/spec.md). */
final class Parser {

    /** Deeper nesting than this is refused instead of overflowing the stack. */
    static final int MAX_DEPTH = 256;

    private final Lexer lx;
    private Token cached;
    private int lastEnd;
    private int depth;
    /** Whether newlines are insignificant at the current nesting level (inside (), [] and templates). */
    private final Deque<Boolean> ignoreNewlines = new ArrayDeque<>();

    Parser(String file, String src) {
        this.lx = new Lexer(file, src);
    }

    // ---------------------------------------------------------------- tokens

    private boolean ignoring() {
        return !ignoreNewlines.isEmpty() && ignoreNewlines.peek();
    }

    private Token peek() {
        while (true) {
            if (cached == null) {
                cached = lx.next();
            }
            if (cached.is(Type.NEWLINE) && ignoring()) {
                lastEnd = cached.end();
                cached = null;
                continue;
            }
            return cached;
        }
    }

    private Token next() {
        Token t = peek();
        cached = null;
        lastEnd = t.end();
        return t;
    }

    private boolean accept(Type type) {
        if (peek().is(type)) {
            next();
            return true;
        }
        return false;
    }

    private Token expect(Type type, String what) {
        Token t = peek();
        if (!t.is(type)) {
            throw new ParseException(t.pos(), "expected " + what + ", found " + t.describe());
        }
        return next();
    }

    private void skipNewlines() {
        while (peek().is(Type.NEWLINE)) {
            next();
        }
    }

    private Span span(SourcePos pos, int start) {
        return new Span(pos, lx.src.substring(start, Math.max(start, lastEnd)));
    }

    private void enter(SourcePos pos) {
        if (++depth > MAX_DEPTH) {
            throw new ParseException(pos, "nesting is too deep (more than " + MAX_DEPTH + " levels)");
        }
    }

    private void leave() {
        depth--;
    }

    // ---------------------------------------------------------------- structure

    Body parseFile() {
        return parseBody(false, lx.here());
    }

    Expr parseStandaloneExpression() {
        ignoreNewlines.push(true);
        Expr e = parseExpression();
        Token t = peek();
        if (!t.is(Type.EOF)) {
            throw new ParseException(t.pos(), "unexpected " + t.describe() + " after the expression");
        }
        return e;
    }

    private Body parseBody(boolean inBlock, SourcePos pos) {
        enter(pos);
        List<BodyItem> items = new ArrayList<>();
        Map<String, Attribute> seen = new HashMap<>();
        while (true) {
            skipNewlines();
            Token t = peek();
            if (t.is(Type.EOF)) {
                if (inBlock) {
                    throw new ParseException(t.pos(), "unexpected end of file: the block opened at "
                            + pos + " has no closing \"}\"");
                }
                break;
            }
            if (t.is(Type.RBRACE)) {
                if (!inBlock) {
                    throw new ParseException(t.pos(), "unexpected \"}\": there is no open block to close");
                }
                break;
            }
            BodyItem item = parseItem(inBlock);
            if (item instanceof Attribute a) {
                Attribute prev = seen.putIfAbsent(a.name(), a);
                if (prev != null) {
                    throw new ParseException(a.pos(), "attribute \"" + a.name() + "\" is already set at "
                            + prev.pos() + "; each attribute may be set only once per block");
                }
            }
            items.add(item);
        }
        leave();
        return new Body(items, pos, peek().pos());
    }

    private BodyItem parseItem(boolean inBlock) {
        Token name = peek();
        if (name.is(Type.OQUOTE)) {
            throw new ParseException(name.pos(), "attribute names in a block cannot be quoted; for keys such as \"a.b\" "
                    + "write a map attribute instead, e.g. meta = { \"a.b\" = \"x\" }");
        }
        if (!name.is(Type.IDENT)) {
            throw new ParseException(name.pos(), "expected an attribute name or a block type, found " + name.describe());
        }
        next();
        Token t = peek();
        if (t.is(Type.EQUAL)) {
            next();
            Token v = peek();
            if (v.is(Type.NEWLINE) || v.is(Type.EOF) || v.is(Type.RBRACE)) {
                throw new ParseException(v.pos(), "expected a value for \"" + name.text() + "\" after \"=\", found " + v.describe());
            }
            Expr value = parseExpression();
            endOfLine("the value of \"" + name.text() + "\"", inBlock);
            return new Attribute(name.text(), value, name.pos());
        }
        List<Label> labels = new ArrayList<>();
        while (true) {
            t = peek();
            if (t.is(Type.IDENT)) {
                next();
                labels.add(new Label(t.text(), t.pos()));
            } else if (t.is(Type.OQUOTE)) {
                next();
                Template s = parseQuoted(t);
                if (!s.isLiteral()) {
                    throw new ParseException(t.pos(), "block labels must be plain strings; "
                            + "interpolations and directives are not allowed here");
                }
                labels.add(new Label(s.literalValue(), t.pos()));
            } else {
                break;
            }
        }
        if (!t.is(Type.LBRACE)) {
            if (labels.isEmpty()) {
                throw new ParseException(t.pos(), "expected \"=\" or \"{\" after \"" + name.text() + "\", found " + t.describe());
            }
            throw new ParseException(t.pos(), "expected \"{\" to open the \"" + name.text() + "\" block, found " + t.describe());
        }
        Token open = next();
        Body body;
        if (peek().is(Type.NEWLINE)) {
            body = parseBody(true, open.pos());
            expect(Type.RBRACE, "\"}\" to close the \"" + name.text() + "\" block");
        } else if (peek().is(Type.RBRACE)) {
            body = new Body(List.of(), open.pos(), next().pos());
        } else {
            body = parseOneLineBody(name.text(), open.pos());
        }
        endOfLine("the \"" + name.text() + "\" block", inBlock);
        return new Block(name.text(), labels, body, name.pos());
    }

    /** {@code block { attr = expr }} on one line: at most one attribute and no nested block. */
    private Body parseOneLineBody(String type, SourcePos open) {
        Token n = peek();
        if (!n.is(Type.IDENT)) {
            throw new ParseException(n.pos(), "expected an attribute name or a newline after \"{\" of the \""
                    + type + "\" block, found " + n.describe());
        }
        next();
        Token eq = peek();
        if (!eq.is(Type.EQUAL)) {
            throw new ParseException(eq.pos(), "a block written on one line can hold only one attribute (name = value); "
                    + "put the nested block \"" + n.text() + "\" on its own line");
        }
        next();
        Expr value = parseExpression();
        Token close = peek();
        if (!close.is(Type.RBRACE)) {
            throw new ParseException(close.pos(), "a block written on one line can hold only one attribute; "
                    + "put each attribute of the \"" + type + "\" block on its own line");
        }
        next();
        return new Body(List.of(new Attribute(n.text(), value, n.pos())), open, close.pos());
    }

    private void endOfLine(String what, boolean inBlock) {
        Token t = peek();
        if (t.is(Type.NEWLINE)) {
            next();
        } else if (!t.is(Type.EOF)) {
            String hint = t.is(Type.RBRACE) && inBlock ? "; put the closing \"}\" on its own line" : "";
            throw new ParseException(t.pos(), "expected a newline after " + what + ", found " + t.describe() + hint);
        }
    }

    // ---------------------------------------------------------------- expressions

    Expr parseExpression() {
        Token first = peek();
        enter(first.pos());
        int start = first.start();
        Expr cond = parseBinary(1);
        Expr result = cond;
        if (peek().is(Type.QUESTION)) {
            next();
            Expr then = parseExpression();
            expect(Type.COLON, "\":\" separating the two results of the conditional");
            Expr otherwise = parseExpression();
            result = new Conditional(cond, then, otherwise, span(first.pos(), start));
        }
        leave();
        return result;
    }

    private static int precedence(Type t) {
        return switch (t) {
            case OR -> 1;
            case AND -> 2;
            case EQEQ, NOTEQ -> 3;
            case LT, LE, GT, GE -> 4;
            case PLUS, MINUS -> 5;
            case STAR, SLASH, PERCENT -> 6;
            default -> 0;
        };
    }

    private Expr parseBinary(int minLevel) {
        Token first = peek();
        int start = first.start();
        Expr left = parseUnary();
        while (true) {
            Token op = peek();
            int level = precedence(op.type());
            if (level == 0 || level < minLevel) {
                return left;
            }
            next();
            Expr right = parseBinary(level + 1);
            left = new Binary(op.text(), left, right, span(first.pos(), start));
        }
    }

    private Expr parseUnary() {
        Token t = peek();
        if (t.is(Type.MINUS) || t.is(Type.BANG)) {
            enter(t.pos());
            next();
            Expr operand = parseUnary();
            leave();
            return new Unary(t.text(), operand, span(t.pos(), t.start()));
        }
        return parsePostfix(parsePrimary(), t);
    }

    private Expr parsePrimary() {
        Token t = peek();
        switch (t.type()) {
            case NUMBER -> {
                next();
                return new Literal(number(t), span(t.pos(), t.start()));
            }
            case IDENT -> {
                next();
                switch (t.text()) {
                    case "true" -> {
                        return new Literal(Boolean.TRUE, span(t.pos(), t.start()));
                    }
                    case "false" -> {
                        return new Literal(Boolean.FALSE, span(t.pos(), t.start()));
                    }
                    case "null" -> {
                        return new Literal(null, span(t.pos(), t.start()));
                    }
                    default -> {
                        if (peek().is(Type.LPAREN)) {
                            return parseCall(t);
                        }
                        return new Variable(t.text(), span(t.pos(), t.start()));
                    }
                }
            }
            case OQUOTE -> {
                next();
                return parseQuoted(t);
            }
            case HEREDOC -> {
                next();
                return parseHeredoc(t);
            }
            case LPAREN -> {
                next();
                ignoreNewlines.push(true);
                Expr inner = parseExpression();
                expect(Type.RPAREN, "\")\" to close the \"(\" at " + t.pos());
                ignoreNewlines.pop();
                return new Parens(inner, span(t.pos(), t.start()));
            }
            case LBRACK -> {
                next();
                return parseTuple(t);
            }
            case LBRACE -> {
                next();
                return parseObject(t);
            }
            default -> throw new ParseException(t.pos(), "expected an expression, found " + t.describe());
        }
    }

    private static BigDecimal number(Token t) {
        try {
            return new BigDecimal(t.text());
        } catch (NumberFormatException | ArithmeticException e) {
            throw new ParseException(t.pos(), "number " + t.text() + " is out of range");
        }
    }

    private Expr parsePostfix(Expr e, Token first) {
        SourcePos pos = first.pos();
        int start = first.start();
        while (true) {
            Token t = peek();
            if (t.is(Type.DOT)) {
                next();
                Token n = next();
                if (n.is(Type.IDENT)) {
                    e = new GetAttr(e, n.text(), span(pos, start));
                } else if (n.is(Type.NUMBER)) {
                    e = new Index(e, legacyIndex(n), span(pos, start));
                } else if (n.is(Type.STAR)) {
                    e = attrSplat(e, pos, start);
                } else {
                    throw new ParseException(n.pos(), "expected an attribute name after \".\", found " + n.describe());
                }
            } else if (t.is(Type.LBRACK)) {
                next();
                ignoreNewlines.push(true);
                if (peek().is(Type.STAR)) {
                    next();
                    expect(Type.RBRACK, "\"]\" to close the splat \"[*\"");
                    ignoreNewlines.pop();
                    e = fullSplat(e, pos, start);
                } else {
                    Expr key = parseExpression();
                    expect(Type.RBRACK, "\"]\" to close the index opened at " + t.pos());
                    ignoreNewlines.pop();
                    e = new Index(e, key, span(pos, start));
                }
            } else {
                return e;
            }
        }
    }

    private Literal legacyIndex(Token n) {
        if (!n.text().chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new ParseException(n.pos(), "invalid index \"." + n.text() + "\": a legacy index is a whole number; "
                    + "write chained indexes as [0][1]");
        }
        return new Literal(number(n), new Span(n.pos(), n.text()));
    }

    /** {@code source.*} followed by any number of {@code .name}. */
    private Expr attrSplat(Expr source, SourcePos pos, int start) {
        Expr each = new SplatItem(new Span(source.pos(), ""));
        while (peek().is(Type.DOT)) {
            next();
            Token n = expect(Type.IDENT, "an attribute name after \".\" in a splat");
            each = new GetAttr(each, n.text(), new Span(n.pos(), n.text()));
        }
        return new Splat(source, each, false, span(pos, start));
    }

    /** {@code source[*]} followed by any number of {@code .name} and {@code [key]}. */
    private Expr fullSplat(Expr source, SourcePos pos, int start) {
        Expr each = new SplatItem(new Span(source.pos(), ""));
        while (true) {
            Token t = peek();
            if (t.is(Type.DOT)) {
                next();
                Token n = next();
                if (n.is(Type.IDENT)) {
                    each = new GetAttr(each, n.text(), new Span(n.pos(), n.text()));
                } else if (n.is(Type.NUMBER)) {
                    each = new Index(each, legacyIndex(n), new Span(n.pos(), n.text()));
                } else {
                    throw new ParseException(n.pos(), "expected an attribute name after \".\", found " + n.describe());
                }
            } else if (t.is(Type.LBRACK)) {
                next();
                ignoreNewlines.push(true);
                Expr key = parseExpression();
                expect(Type.RBRACK, "\"]\" to close the index opened at " + t.pos());
                ignoreNewlines.pop();
                each = new Index(each, key, new Span(t.pos(), ""));
            } else {
                return new Splat(source, each, true, span(pos, start));
            }
        }
    }

    private Expr parseCall(Token name) {
        Token open = next();
        ignoreNewlines.push(true);
        List<Expr> args = new ArrayList<>();
        boolean expand = false;
        while (!peek().is(Type.RPAREN)) {
            args.add(parseExpression());
            if (accept(Type.ELLIPSIS)) {
                expand = true;
                if (!peek().is(Type.RPAREN)) {
                    throw new ParseException(peek().pos(), "\"...\" may only follow the last argument of "
                            + name.text() + "(); expected \")\"");
                }
                break;
            }
            if (!accept(Type.COMMA)) {
                Token t = peek();
                if (!t.is(Type.RPAREN)) {
                    throw new ParseException(t.pos(), "expected \",\" or \")\" in the arguments of " + name.text()
                            + "() opened at " + open.pos() + ", found " + t.describe());
                }
            }
        }
        next();
        ignoreNewlines.pop();
        return new FunctionCall(name.text(), args, expand, span(name.pos(), name.start()));
    }

    private Expr parseTuple(Token open) {
        ignoreNewlines.push(true);
        if (peek().isKeyword("for")) {
            Expr f = parseFor(open, false);
            ignoreNewlines.pop();
            return f;
        }
        List<Expr> elems = new ArrayList<>();
        while (!peek().is(Type.RBRACK)) {
            elems.add(parseExpression());
            if (!accept(Type.COMMA)) {
                Token t = peek();
                if (!t.is(Type.RBRACK)) {
                    throw new ParseException(t.pos(), "expected \",\" or \"]\" in the list opened at " + open.pos()
                            + ", found " + t.describe());
                }
            }
        }
        next();
        ignoreNewlines.pop();
        return new Tuple(elems, span(open.pos(), open.start()));
    }

    private Expr parseObject(Token open) {
        ignoreNewlines.push(false);
        skipNewlines();
        if (peek().isKeyword("for")) {
            ignoreNewlines.push(true);
            Expr f = parseFor(open, true);
            ignoreNewlines.pop();
            ignoreNewlines.pop();
            return f;
        }
        List<ObjectItem> items = new ArrayList<>();
        while (true) {
            skipNewlines();
            if (peek().is(Type.RBRACE)) {
                break;
            }
            Token keyTok = peek();
            Expr key = parseExpression();
            String keyName = key instanceof Variable v ? v.name() : null;
            if (keyName != null && keyName.equals("for")) {
                throw new ParseException(keyTok.pos(), "an object key named \"for\" must be quoted (\"for\") "
                        + "so that it is not read as a for expression");
            }
            Token sep = peek();
            if (!sep.is(Type.EQUAL) && !sep.is(Type.COLON)) {
                throw new ParseException(sep.pos(), "expected \"=\" or \":\" after the object key " + key.text()
                        + ", found " + sep.describe());
            }
            next();
            Expr value = parseExpression();
            items.add(new ObjectItem(key, keyName, value));
            Token t = peek();
            if (t.is(Type.COMMA) || t.is(Type.NEWLINE)) {
                next();
            } else if (!t.is(Type.RBRACE)) {
                throw new ParseException(t.pos(), "expected \",\", a newline or \"}\" after the value of object key "
                        + key.text() + ", found " + t.describe());
            }
        }
        next();
        ignoreNewlines.pop();
        return new ObjectCons(items, span(open.pos(), open.start()));
    }

    private Expr parseFor(Token open, boolean object) {
        next(); // "for"
        Token first = expect(Type.IDENT, "a variable name after \"for\"");
        String keyVar = null;
        String valueVar = first.text();
        if (accept(Type.COMMA)) {
            keyVar = first.text();
            valueVar = expect(Type.IDENT, "a second variable name after \",\" in the for expression").text();
        }
        Token in = peek();
        if (!in.isKeyword("in")) {
            throw new ParseException(in.pos(), "expected \"in\" after the variable names of the for expression, found " + in.describe());
        }
        next();
        Expr coll = parseExpression();
        expect(Type.COLON, "\":\" after the collection of the for expression");
        Expr keyExpr = null;
        Expr valueExpr;
        boolean group = false;
        if (object) {
            keyExpr = parseExpression();
            expect(Type.FAT_ARROW, "\"=>\" between key and value of the object for expression");
            valueExpr = parseExpression();
            group = accept(Type.ELLIPSIS);
        } else {
            valueExpr = parseExpression();
        }
        Expr cond = null;
        if (peek().isKeyword("if")) {
            next();
            cond = parseExpression();
        }
        Type close = object ? Type.RBRACE : Type.RBRACK;
        expect(close, "\"" + (object ? "}" : "]") + "\" to close the for expression opened at " + open.pos());
        return new ForExpr(keyVar, valueVar, coll, keyExpr, valueExpr, group, cond, span(open.pos(), open.start()));
    }

    // ---------------------------------------------------------------- templates

    /** A literal under construction, remembering where its lines start (for {@code <<-} heredocs). */
    private static final class Lit {
        final StringBuilder text = new StringBuilder();
        final List<Integer> lineStarts = new ArrayList<>();
        SourcePos pos;
        int start;
    }

    /** A flat template item before directives are nested. */
    private record Item(Lit lit, TemplatePart part, String keyword, Expr expr, String key, String value,
                       boolean stripLeft, boolean stripRight, Span span) {
    }

    Template parseQuoted(Token open) {
        enter(open.pos());
        List<Item> items = new ArrayList<>();
        Lit lit = null;
        while (true) {
            if (lx.atEnd()) {
                throw new ParseException(open.pos(), "unterminated string: missing the closing quote (\")");
            }
            char c = lx.peekChar(0);
            if (c == '"') {
                lx.advance();
                break;
            }
            if (c == '\n' || c == '\r') {
                throw new ParseException(lx.here(), "unterminated string: a quoted string cannot span lines; "
                        + "close it with \" or use a heredoc (<<EOT)");
            }
            if (lx.startsWith("${") || lx.startsWith("%{")) {
                items.add(templateSequence());
                lit = null;
                continue;
            }
            if (lit == null) {
                lit = newLit();
                items.add(new Item(lit, null, null, null, null, null, false, false, null));
            }
            if (c == '\\') {
                escape(lit.text);
            } else if (lx.startsWith("$${") || lx.startsWith("%%{")) {
                lit.text.append(lx.peekChar(0)).append('{');
                lx.advance(3);
            } else {
                lit.text.append(lx.advance());
            }
        }
        lastEnd = lx.pos;
        leave();
        return finishTemplate(items, false, span(open.pos(), open.start()));
    }

    private Lit newLit() {
        Lit l = new Lit();
        l.pos = lx.here();
        l.start = lx.pos;
        return l;
    }

    private void escape(StringBuilder out) {
        SourcePos at = lx.here();
        lx.advance();
        if (lx.atEnd()) {
            throw new ParseException(at, "unterminated string: a backslash at the end of the file");
        }
        char c = lx.advance();
        switch (c) {
            case 'n' -> out.append('\n');
            case 'r' -> out.append('\r');
            case 't' -> out.append('\t');
            case '"' -> out.append('"');
            case '\\' -> out.append('\\');
            case 'u' -> out.appendCodePoint(hexEscape(at, 4));
            case 'U' -> out.appendCodePoint(hexEscape(at, 8));
            default -> throw new ParseException(at, "invalid escape sequence \"\\" + c
                    + "\"; the valid ones are \\n \\r \\t \\\" \\\\ \\uNNNN \\UNNNNNNNN");
        }
    }

    private int hexEscape(SourcePos at, int digits) {
        int cp = 0;
        for (int i = 0; i < digits; i++) {
            char h = lx.atEnd() ? '\0' : lx.peekChar(0);
            int d = Character.digit(h, 16);
            if (d < 0) {
                throw new ParseException(at, "invalid escape sequence: \\" + (digits == 4 ? "u" : "U") + " needs exactly "
                        + digits + " hexadecimal digits");
            }
            lx.advance();
            cp = cp * 16 + d;
        }
        if (cp > Character.MAX_CODE_POINT || (cp >= 0xD800 && cp <= 0xDFFF)) {
            throw new ParseException(at, String.format("invalid escape sequence: U+%X is not a valid Unicode character", cp));
        }
        return cp;
    }

    /** {@code ${...}} or {@code %{...}} at the cursor; the cursor ends just after the closing brace. */
    private Item templateSequence() {
        SourcePos pos = lx.here();
        int start = lx.pos;
        boolean directive = lx.peekChar(0) == '%';
        lx.advance(2);
        boolean stripLeft = false;
        if (lx.peekChar(0) == '~') {
            lx.advance();
            stripLeft = true;
        }
        ignoreNewlines.push(true);
        enter(pos);
        Item item;
        if (!directive) {
            Expr e = parseExpression();
            boolean stripRight = closeSequence(pos, "interpolation");
            Span sp = new Span(pos, lx.src.substring(start, lx.pos));
            item = new Item(null, new Interpolation(e, sp), null, null, null, null, stripLeft, stripRight, sp);
        } else {
            Token kw = next();
            String k = kw.is(Type.IDENT) ? kw.text() : "";
            Expr e = null;
            String key = null;
            String value = null;
            switch (k) {
                case "if" -> e = parseExpression();
                case "for" -> {
                    value = expect(Type.IDENT, "a variable name after \"for\"").text();
                    if (accept(Type.COMMA)) {
                        key = value;
                        value = expect(Type.IDENT, "a second variable name after \",\"").text();
                    }
                    Token in = next();
                    if (!in.isKeyword("in")) {
                        throw new ParseException(in.pos(), "expected \"in\" in the for directive, found " + in.describe());
                    }
                    e = parseExpression();
                }
                case "else", "endif", "endfor" -> {
                }
                default -> throw new ParseException(kw.pos(), "expected if, else, endif, for or endfor after \"%{\", found "
                        + kw.describe() + "; write %%{ for a literal %{");
            }
            boolean stripRight = closeSequence(pos, "directive");
            Span sp = new Span(pos, lx.src.substring(start, lx.pos));
            item = new Item(null, null, k, e, key, value, stripLeft, stripRight, sp);
        }
        leave();
        ignoreNewlines.pop();
        return item;
    }

    private boolean closeSequence(SourcePos open, String what) {
        boolean strip = accept(Type.TILDE);
        Token t = peek();
        if (!t.is(Type.RBRACE)) {
            throw new ParseException(t.pos(), "expected \"}\" to close the " + what + " opened at " + open
                    + ", found " + t.describe());
        }
        next();
        return strip;
    }

    Template parseHeredoc(Token intro) {
        enter(intro.pos());
        boolean indent = intro.text().startsWith("<<-");
        String marker = intro.text().substring(indent ? 3 : 2);
        List<Item> items = new ArrayList<>();
        Lit lit = null;
        boolean lineStart = true;
        while (true) {
            if (lineStart && closingMarker(marker)) {
                break;
            }
            if (lx.atEnd()) {
                throw new ParseException(intro.pos(), "unterminated heredoc: no line with only \"" + marker
                        + "\" closes it before the end of the file");
            }
            if (lx.startsWith("${") || lx.startsWith("%{")) {
                items.add(templateSequence());
                lit = null;
                lineStart = false;
                continue;
            }
            if (lit == null) {
                lit = newLit();
                items.add(new Item(lit, null, null, null, null, null, false, false, null));
            }
            if (lineStart) {
                lit.lineStarts.add(lit.text.length());
            }
            if (lx.startsWith("$${") || lx.startsWith("%%{")) {
                lit.text.append(lx.peekChar(0)).append('{');
                lx.advance(3);
                lineStart = false;
            } else if (lx.startsWith("\r\n")) {
                lx.advance(2);
                lit.text.append('\n');
                lineStart = true;
            } else {
                char c = lx.advance();
                lit.text.append(c);
                lineStart = c == '\n';
            }
        }
        lastEnd = lx.pos;
        if (indent) {
            stripIndent(items);
        }
        leave();
        return finishTemplate(items, true, span(intro.pos(), intro.start()));
    }

    /**
     * The whole input as template content (like a heredoc body without its markers): what an
     * HCL JSON string is. {@code $${} and {@code %%{} escape; backslashes are literal.
     */
    Template parseBareTemplate() {
        List<Item> items = new ArrayList<>();
        Lit lit = null;
        SourcePos start = lx.here();
        while (!lx.atEnd()) {
            if (lx.startsWith("${") || lx.startsWith("%{")) {
                items.add(templateSequence());
                lit = null;
                continue;
            }
            if (lit == null) {
                lit = newLit();
                items.add(new Item(lit, null, null, null, null, null, false, false, null));
            }
            if (lx.startsWith("$${") || lx.startsWith("%%{")) {
                lit.text.append(lx.peekChar(0)).append('{');
                lx.advance(3);
            } else {
                lit.text.append(lx.advance());
            }
        }
        lastEnd = lx.pos;
        return finishTemplate(items, false, new Span(start, lx.src));
    }

    /** At a line start: if the line is (spaces +) marker + newline/EOF, consume up to the newline. */
    private boolean closingMarker(String marker) {
        int i = lx.pos;
        while (i < lx.src.length() && (lx.src.charAt(i) == ' ' || lx.src.charAt(i) == '\t')) {
            i++;
        }
        if (!lx.src.startsWith(marker, i)) {
            return false;
        }
        int end = i + marker.length();
        if (end == lx.src.length() || lx.src.charAt(end) == '\n' || lx.src.startsWith("\r\n", end)) {
            lx.advance(end - lx.pos);
            return true;
        }
        return false;
    }

    /** {@code <<-}: remove the smallest leading-space count of the non-blank lines from every line. */
    private static void stripIndent(List<Item> items) {
        int min = Integer.MAX_VALUE;
        for (int idx = 0; idx < items.size(); idx++) {
            Lit l = items.get(idx).lit();
            if (l == null) {
                continue;
            }
            boolean followedBySequence = idx + 1 < items.size();
            for (int s : l.lineStarts) {
                int j = s;
                while (j < l.text.length() && (l.text.charAt(j) == ' ' || l.text.charAt(j) == '\t')) {
                    j++;
                }
                boolean blank = j < l.text.length() ? l.text.charAt(j) == '\n' : !followedBySequence;
                if (!blank) {
                    min = Math.min(min, j - s);
                }
            }
        }
        // A sequence at the very start of a line (no literal before it) means indentation 0.
        for (int idx = 0; idx < items.size(); idx++) {
            if (items.get(idx).lit() == null && (idx == 0 || endsWithNewline(items.get(idx - 1)))) {
                min = 0;
            }
        }
        if (min == Integer.MAX_VALUE || min == 0) {
            return;
        }
        for (Item it : items) {
            Lit l = it.lit();
            if (l == null) {
                continue;
            }
            for (int k = l.lineStarts.size() - 1; k >= 0; k--) {
                int s = l.lineStarts.get(k);
                int j = s;
                while (j < l.text.length() && j - s < min && (l.text.charAt(j) == ' ' || l.text.charAt(j) == '\t')) {
                    j++;
                }
                l.text.delete(s, j);
            }
        }
    }

    private static boolean endsWithNewline(Item it) {
        return it.lit() != null && !it.lit().text.isEmpty() && it.lit().text.charAt(it.lit().text.length() - 1) == '\n';
    }

    private Template finishTemplate(List<Item> items, boolean heredoc, Span span) {
        applyStripMarkers(items);
        int[] cursor = {0};
        List<TemplatePart> parts = nest(items, cursor, null, span);
        return new Template(parts, heredoc, span);
    }

    private static void applyStripMarkers(List<Item> items) {
        for (int i = 0; i < items.size(); i++) {
            Item it = items.get(i);
            if (it.stripLeft() && i > 0 && items.get(i - 1).lit() != null) {
                StringBuilder t = items.get(i - 1).lit().text;
                int end = t.length();
                while (end > 0 && Character.isWhitespace(t.charAt(end - 1))) {
                    end--;
                }
                t.setLength(end);
            }
            if (it.stripRight() && i + 1 < items.size() && items.get(i + 1).lit() != null) {
                StringBuilder t = items.get(i + 1).lit().text;
                int s = 0;
                while (s < t.length() && Character.isWhitespace(t.charAt(s))) {
                    s++;
                }
                t.delete(0, s);
            }
        }
    }

    /** Turns the flat item list into nested if/for directives, up to the closing keyword. */
    private List<TemplatePart> nest(List<Item> items, int[] cursor, String until, Span whole) {
        List<TemplatePart> out = new ArrayList<>();
        while (cursor[0] < items.size()) {
            Item it = items.get(cursor[0]);
            if (it.lit() != null) {
                cursor[0]++;
                if (!it.lit().text.isEmpty()) {
                    // HCL imposes NFC normalisation on string literals (hclsyntax spec, "Source Code Representation").
                    String value = java.text.Normalizer.normalize(it.lit().text, java.text.Normalizer.Form.NFC);
                    out.add(new TemplateLiteral(value, new Span(it.lit().pos, it.lit().text.toString())));
                }
                continue;
            }
            if (it.part() != null) {
                cursor[0]++;
                out.add(it.part());
                continue;
            }
            String k = it.keyword();
            if (k.equals("else") || k.equals("endif") || k.equals("endfor")) {
                if (until == null || !until.contains(k)) {
                    throw new ParseException(it.span().pos(), "unexpected %{ " + k + " } without a matching "
                            + (k.equals("endfor") ? "%{ for }" : "%{ if }"));
                }
                return out;
            }
            cursor[0]++;
            if (k.equals("if")) {
                List<TemplatePart> then = nest(items, cursor, "else endif", whole);
                List<TemplatePart> otherwise = List.of();
                Item end = closing(items, cursor, it, "endif");
                if (end.keyword().equals("else")) {
                    otherwise = nest(items, cursor, "endif", whole);
                    closing(items, cursor, it, "endif");
                }
                out.add(new IfDirective(it.expr(), then, otherwise, it.span()));
            } else {
                List<TemplatePart> body = nest(items, cursor, "endfor", whole);
                closing(items, cursor, it, "endfor");
                out.add(new ForDirective(it.key(), it.value(), it.expr(), body, it.span()));
            }
        }
        if (until != null) {
            throw new ParseException(whole.pos(), "a template directive is not closed: expected %{ "
                    + (until.contains("endfor") ? "endfor" : "endif") + " } before the end of the template");
        }
        return out;
    }

    private static Item closing(List<Item> items, int[] cursor, Item open, String expected) {
        if (cursor[0] >= items.size()) {
            throw new ParseException(open.span().pos(), "the %{ " + open.keyword() + " } directive has no %{ " + expected + " }");
        }
        return items.get(cursor[0]++);
    }
}
