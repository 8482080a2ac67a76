package dev.corral.plugin.cty;

/** A config value has the wrong type; the message names the field path. */
public final class CtyTypeException extends RuntimeException {
    private final String path;

    public CtyTypeException(String path, String expected, CtyValue actual) {
        super(path + ": expected " + expected + ", got " + describe(actual));
        this.path = path;
    }

    public String path() {
        return path;
    }

    private static String describe(CtyValue v) {
        return switch (v) {
            case CtyValue.Str s -> "string \"" + s.value() + "\"";
            case CtyValue.Num n -> "number " + n;
            case CtyValue.Bool b -> "bool " + b.value();
            default -> v.kind();
        };
    }
}
