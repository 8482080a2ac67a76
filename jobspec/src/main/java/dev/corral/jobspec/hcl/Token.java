package dev.corral.jobspec.hcl;

import dev.corral.jobspec.SourcePos;

/** One lexical token. {@code start}/{@code end} are offsets into the source. */
record Token(Type type, String text, SourcePos pos, int start, int end) {

    enum Type {
        IDENT, NUMBER, OQUOTE, HEREDOC,
        LBRACE, RBRACE, LBRACK, RBRACK, LPAREN, RPAREN,
        COMMA, DOT, ELLIPSIS, COLON, QUESTION, EQUAL, FAT_ARROW,
        EQEQ, NOTEQ, BANG, LT, LE, GT, GE, PLUS, MINUS, STAR, SLASH, PERCENT, AND, OR, TILDE,
        NEWLINE, EOF
    }

    boolean is(Type t) {
        return type == t;
    }

    boolean isKeyword(String word) {
        return type == Type.IDENT && text.equals(word);
    }

    /** How the token is named in error messages. */
    String describe() {
        return switch (type) {
            case NEWLINE -> "newline";
            case EOF -> "end of file";
            case OQUOTE -> "string";
            case HEREDOC -> "heredoc";
            case IDENT -> "\"" + text + "\"";
            case NUMBER -> "number " + text;
            default -> "\"" + text + "\"";
        };
    }
}
