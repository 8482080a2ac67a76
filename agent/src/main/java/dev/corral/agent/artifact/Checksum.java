package dev.corral.agent.artifact;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Optional;

/** The {@code checksum} option: a fixed {@code type:hex} value or a {@code file:URL} checksum file. */
sealed interface Checksum {

    /** Hash types go-getter accepts, with their digest length. */
    enum Algorithm {
        MD5("md5", "MD5", 16),
        SHA1("sha1", "SHA-1", 20),
        SHA256("sha256", "SHA-256", 32),
        SHA512("sha512", "SHA-512", 64);

        final String optionName;
        final String jcaName;
        final int bytes;

        Algorithm(String optionName, String jcaName, int bytes) {
            this.optionName = optionName;
            this.jcaName = jcaName;
            this.bytes = bytes;
        }

        MessageDigest newDigest() {
            try {
                return MessageDigest.getInstance(jcaName);
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(jcaName + " is missing from this JVM", e);
            }
        }

        /** md5 and sha1 collide on purpose-built inputs; they are not enough to share content across URLs. */
        boolean collisionResistant() {
            return this == SHA256 || this == SHA512;
        }

        static Optional<Algorithm> byName(String name) {
            for (Algorithm a : values()) {
                if (a.optionName.equals(name.toLowerCase(Locale.ROOT))) {
                    return Optional.of(a);
                }
            }
            return Optional.empty();
        }

        static Optional<Algorithm> byHexLength(int hexChars) {
            for (Algorithm a : values()) {
                if (a.bytes * 2 == hexChars) {
                    return Optional.of(a);
                }
            }
            return Optional.empty();
        }
    }

    /** A digest given in the job. */
    record Fixed(Algorithm algorithm, String hex) implements Checksum {
        public Fixed {
            hex = hex.toLowerCase(Locale.ROOT);
        }
    }

    /** A checksum file ({@code sha256sum} or BSD style) to fetch and search for the artifact's name. */
    record FromFile(String url) implements Checksum {
    }

    /**
     * Parses the option value, with Nomad's messages for malformed values.
     *
     * @throws InvalidArtifactException when malformed
     */
    static Checksum parseOption(String value) throws InvalidArtifactException {
        if (value == null || value.isEmpty()) {
            throw new InvalidArtifactException("checksum value cannot be empty");
        }
        int colon = value.indexOf(':');
        if (colon < 0) {
            // go-getter accepts a bare digest and guesses its type from its length.
            Optional<Algorithm> guessed = Algorithm.byHexLength(value.length());
            if (guessed.isPresent() && isHex(value)) {
                return new Fixed(guessed.get(), value);
            }
            throw new InvalidArtifactException("checksum must be given as \"type:value\"; got \"" + value + "\"");
        }
        String type = value.substring(0, colon);
        String rest = value.substring(colon + 1);
        if (type.equals("file")) {
            if (rest.isEmpty()) {
                throw new InvalidArtifactException("checksum must be given as \"file:<url>\"; got \"" + value + "\"");
            }
            return new FromFile(rest);
        }
        if (!isHex(rest) || rest.length() % 2 != 0) {
            throw new InvalidArtifactException("invalid checksum: \"" + rest + "\" is not hexadecimal");
        }
        Algorithm a = Algorithm.byName(type).orElseThrow(
                () -> new InvalidArtifactException("unsupported checksum type: " + type));
        if (rest.length() != a.bytes * 2) {
            throw new InvalidArtifactException("invalid " + type + " checksum: " + rest);
        }
        return new Fixed(a, rest);
    }

    /**
     * Finds the artifact's digest in a checksum file, matching go-getter: GNU lines
     * ({@code <hex>  name}, {@code <hex> *name}), BSD lines ({@code SHA256 (name) = <hex>}) and lines
     * with a digest only (which match any file). {@code names} are the accepted spellings of the
     * artifact's name (file name, path, relative path).
     */
    static Optional<Fixed> findInFile(String content, java.util.List<String> names) {
        for (String raw : content.split("\n")) {
            String line = raw.strip();
            if (line.isEmpty()) {
                continue;
            }
            String[] parts = line.split("\\s+");
            String hex;
            String name;
            Optional<Algorithm> type;
            if (parts.length == 4 && parts[1].length() > 2 && parts[1].startsWith("(") && parts[1].endsWith(")")
                    && parts[2].equals("=")) {
                hex = parts[3];
                name = parts[1].substring(1, parts[1].length() - 1);
                type = Algorithm.byName(parts[0]);
            } else if (parts.length == 2) {
                hex = parts[0];
                name = parts[1].startsWith("*") ? parts[1].substring(1) : parts[1];
                type = Algorithm.byHexLength(hex.length());
            } else if (parts.length == 1) {
                hex = parts[0];
                name = "";
                type = Algorithm.byHexLength(hex.length());
            } else {
                continue;
            }
            if (type.isEmpty() || !isHex(hex) || hex.length() != type.get().bytes * 2) {
                continue;
            }
            if (name.isEmpty() || names.contains(name)) {
                return Optional.of(new Fixed(type.get(), hex));
            }
        }
        return Optional.empty();
    }

    static String hex(byte[] digest) {
        return HexFormat.of().formatHex(digest);
    }

    private static boolean isHex(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            if (Character.digit(s.charAt(i), 16) < 0) {
                return false;
            }
        }
        return true;
    }
}
