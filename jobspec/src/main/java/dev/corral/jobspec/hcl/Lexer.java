package dev.corral.jobspec.hcl;

import dev.corral.jobspec.SourcePos;
import dev.corral.jobspec.hcl.Token.Type;

/**
 * On-demand HCL2 scanner. The parser pulls normal-mode tokens with {@link #next()} and, after an
 * opening quote or heredoc introducer, reads template text character by character through the
 * cursor methods; this keeps the mode switch of templates inside the parser's call stack.
 */
final class Lexer {

    final String src;
    final String file;
    int pos;
    int line = 1;
    int col = 1;

    Lexer(String file, String src) {
        this.file = file;
        this.src = src;
    }

    SourcePos here() {
        return new SourcePos(file, line, col);
    }

    boolean atEnd() {
        return pos >= src.length();
    }

    char peekChar(int ahead) {
        int i = pos + ahead;
        return i < src.length() ? src.charAt(i) : '\0';
    }

    boolean startsWith(String s) {
        return src.startsWith(s, pos);
    }

    char advance() {
        char c = src.charAt(pos++);
        if (c == '\n') {
            line++;
            col = 1;
        } else if (!Character.isLowSurrogate(c)) {
            col++;
        }
        return c;
    }

    void advance(int n) {
        for (int i = 0; i < n; i++) {
            advance();
        }
    }

    ParseException error(SourcePos at, String message) {
        return new ParseException(at, message);
    }

    Token next() {
        skipSpace();
        SourcePos start = here();
        int s = pos;
        if (atEnd()) {
            return new Token(Type.EOF, "", start, s, s);
        }
        char c = peekChar(0);
        if (c == '\n' || (c == '\r' && peekChar(1) == '\n')) {
            advance(c == '\r' ? 2 : 1);
            return tok(Type.NEWLINE, start, s);
        }
        if (c == '#' || (c == '/' && peekChar(1) == '/')) {
            // A line comment stands for the newline that ends it.
            while (!atEnd() && peekChar(0) != '\n') {
                advance();
            }
            if (!atEnd()) {
                advance();
            }
            return tok(Type.NEWLINE, start, s);
        }
        if (isIdentStart(c)) {
            while (!atEnd() && isIdentPart(peekChar(0))) {
                advance();
            }
            return tok(Type.IDENT, start, s);
        }
        if (c >= '0' && c <= '9') {
            return number(start, s);
        }
        switch (c) {
            case '"':
                advance();
                return tok(Type.OQUOTE, start, s);
            case '{':
                advance();
                return tok(Type.LBRACE, start, s);
            case '}':
                advance();
                return tok(Type.RBRACE, start, s);
            case '[':
                advance();
                return tok(Type.LBRACK, start, s);
            case ']':
                advance();
                return tok(Type.RBRACK, start, s);
            case '(':
                advance();
                return tok(Type.LPAREN, start, s);
            case ')':
                advance();
                return tok(Type.RPAREN, start, s);
            case ',':
                advance();
                return tok(Type.COMMA, start, s);
            case ':':
                advance();
                return tok(Type.COLON, start, s);
            case '?':
                advance();
                return tok(Type.QUESTION, start, s);
            case '+':
                advance();
                return tok(Type.PLUS, start, s);
            case '-':
                advance();
                return tok(Type.MINUS, start, s);
            case '*':
                advance();
                return tok(Type.STAR, start, s);
            case '/':
                advance();
                return tok(Type.SLASH, start, s);
            case '%':
                if (peekChar(1) == '{') {
                    throw error(start, "template directive \"%{\" is only valid inside a string or heredoc");
                }
                advance();
                return tok(Type.PERCENT, start, s);
            case '~':
                advance();
                return tok(Type.TILDE, start, s);
            case '.':
                if (startsWith("...")) {
                    advance(3);
                    return tok(Type.ELLIPSIS, start, s);
                }
                advance();
                return tok(Type.DOT, start, s);
            case '=':
                advance();
                if (peekChar(0) == '=') {
                    advance();
                    return tok(Type.EQEQ, start, s);
                }
                if (peekChar(0) == '>') {
                    advance();
                    return tok(Type.FAT_ARROW, start, s);
                }
                return tok(Type.EQUAL, start, s);
            case '!':
                advance();
                if (peekChar(0) == '=') {
                    advance();
                    return tok(Type.NOTEQ, start, s);
                }
                return tok(Type.BANG, start, s);
            case '>':
                advance();
                if (peekChar(0) == '=') {
                    advance();
                    return tok(Type.GE, start, s);
                }
                return tok(Type.GT, start, s);
            case '<':
                if (peekChar(1) == '<') {
                    return heredoc(start, s);
                }
                advance();
                if (peekChar(0) == '=') {
                    advance();
                    return tok(Type.LE, start, s);
                }
                return tok(Type.LT, start, s);
            case '&':
                if (peekChar(1) == '&') {
                    advance(2);
                    return tok(Type.AND, start, s);
                }
                throw error(start, "invalid character \"&\"; did you mean \"&&\"?");
            case '|':
                if (peekChar(1) == '|') {
                    advance(2);
                    return tok(Type.OR, start, s);
                }
                throw error(start, "invalid character \"|\"; did you mean \"||\"?");
            case '\'':
                throw error(start, "single quotes are not valid in HCL; use double quotes (\") for strings");
            case '$':
                if (peekChar(1) == '{') {
                    throw error(start, "interpolation \"${\" is only valid inside a string or heredoc; "
                            + "write the expression without ${ } or put it in quotes");
                }
                break;
            default:
                break;
        }
        throw error(start, "invalid character " + describeChar(src.codePointAt(pos)));
    }

    private Token tok(Type t, SourcePos start, int s) {
        return new Token(t, src.substring(s, pos), start, s, pos);
    }

    private void skipSpace() {
        while (!atEnd()) {
            char c = peekChar(0);
            if (c == ' ' || c == '\t' || (c == '\r' && peekChar(1) != '\n')) {
                advance();
            } else if (c == '/' && peekChar(1) == '*') {
                SourcePos start = here();
                advance(2);
                while (!startsWith("*/")) {
                    if (atEnd()) {
                        throw error(start, "unterminated comment: \"/*\" has no matching \"*/\"");
                    }
                    advance();
                }
                advance(2);
            } else if (c == '\uFEFF' && pos == 0) {
                throw error(here(), "byte order marks are not allowed in HCL files; save the file as UTF-8 without BOM");
            } else {
                return;
            }
        }
    }

    private Token number(SourcePos start, int s) {
        while (isDigit(peekChar(0))) {
            advance();
        }
        if (peekChar(0) == '.' && isDigit(peekChar(1))) {
            advance();
            while (isDigit(peekChar(0))) {
                advance();
            }
        }
        char e = peekChar(0);
        if (e == 'e' || e == 'E') {
            char sign = peekChar(1);
            if (isDigit(sign) || ((sign == '+' || sign == '-') && isDigit(peekChar(2)))) {
                advance(isDigit(sign) ? 1 : 2);
                while (isDigit(peekChar(0))) {
                    advance();
                }
            } else {
                throw error(here(), "invalid number: exponent \"" + e + "\" must be followed by digits");
            }
        }
        if (isIdentStart(peekChar(0))) {
            throw error(here(), "invalid number: unexpected " + describeChar(peekChar(0)) + " after "
                    + src.substring(s, pos));
        }
        return tok(Type.NUMBER, start, s);
    }

    private Token heredoc(SourcePos start, int s) {
        advance(2);
        if (peekChar(0) == '-') {
            advance();
        }
        if (!isIdentStart(peekChar(0))) {
            throw error(here(), "invalid heredoc: \"<<\" must be followed by a marker name such as EOT, then a newline");
        }
        while (!atEnd() && isIdentPart(peekChar(0))) {
            advance();
        }
        String text = src.substring(s, pos);
        if (peekChar(0) == '\r' && peekChar(1) == '\n') {
            advance(2);
        } else if (peekChar(0) == '\n') {
            advance();
        } else {
            throw error(here(), "invalid heredoc: the marker " + text + " must be followed directly by a newline");
        }
        return new Token(Type.HEREDOC, text, start, s, pos);
    }

    static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    static boolean isIdentStart(char c) {
        return c == '_' || (c != '\0' && Character.isUnicodeIdentifierStart(c) && c != '\u2E2F');
    }

    static boolean isIdentPart(char c) {
        return c != '\0' && (c == '-' || (Character.isUnicodeIdentifierPart(c) && !Character.isIdentifierIgnorable(c)));
    }

    static String describeChar(int cp) {
        if (cp < 0x20 || cp == 0x7f) {
            return String.format("U+%04X", cp);
        }
        return "\"" + new String(Character.toChars(cp)) + "\"";
    }
}
