package dev.corral.agent.artifact;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * One {@code artifact} block of a task, with plain values (the job model maps onto this; the
 * fetcher knows nothing of HCL). Values must already be interpolated ({@code ${...}} replaced).
 *
 * @param source go-getter style source: {@code https://host/f.tgz}, {@code git::https://host/r.git//sub?ref=v1},
 *     {@code file:///abs}, {@code /abs}, ...
 * @param destination path relative to the task directory; {@code null} or blank means Nomad's default
 *     ({@code local/}, or {@code local/<file name>} for {@link Mode#FILE})
 * @param mode {@code any}, {@code file} or {@code dir}
 * @param options go-getter options, appended to the source as query parameters (overwriting same
 *     names): {@code checksum}, {@code archive}, {@code ref}, {@code depth}, {@code sshkey}, {@code filename}, ...
 * @param headers HTTP request headers
 * @param chown give the results to the task user ({@link TaskUser}); otherwise they belong to the agent
 */
public record ArtifactSpec(
        String source,
        String destination,
        Mode mode,
        Map<String, String> options,
        Map<String, String> headers,
        boolean chown) {

    /** Nomad's {@code mode} values. */
    public enum Mode {
        /** A directory for archives and git, a file inside the destination directory otherwise. */
        ANY,
        /** The destination is the file itself. */
        FILE,
        /** The destination is a directory. */
        DIR;

        /**
         * Parses Nomad's spelling.
         *
         * @throws InvalidArtifactException with Nomad's wording for an unknown value
         */
        public static Mode parse(String value) throws InvalidArtifactException {
            if (value == null || value.isEmpty()) {
                return ANY;
            }
            return switch (value) {
                case "any" -> ANY;
                case "file" -> FILE;
                case "dir" -> DIR;
                default -> throw new InvalidArtifactException(
                        "invalid artifact mode \"" + value + "\"; must be one of: any, file, dir");
            };
        }

        /** Nomad's spelling. */
        public String jobspecName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public ArtifactSpec {
        mode = mode == null ? Mode.ANY : mode;
        options = options == null ? Map.of() : Map.copyOf(options);
        headers = headers == null ? Map.of() : Map.copyOf(headers);
        destination = destination == null ? "" : destination;
    }

    /** An artifact with Nomad's defaults: mode {@code any} into {@code local/}. */
    public static ArtifactSpec of(String source) {
        return new ArtifactSpec(source, null, Mode.ANY, Map.of(), Map.of(), false);
    }

    /** A copy with another destination. */
    public ArtifactSpec withDestination(String newDestination) {
        return new ArtifactSpec(source, newDestination, mode, options, headers, chown);
    }

    /** A copy with another mode. */
    public ArtifactSpec withMode(Mode newMode) {
        return new ArtifactSpec(source, destination, newMode, options, headers, chown);
    }

    /** A copy with these options (replacing the old ones). */
    public ArtifactSpec withOptions(Map<String, String> newOptions) {
        return new ArtifactSpec(source, destination, mode, newOptions, headers, chown);
    }

    /** A copy with these headers (replacing the old ones). */
    public ArtifactSpec withHeaders(Map<String, String> newHeaders) {
        return new ArtifactSpec(source, destination, mode, options, newHeaders, chown);
    }

    /** A copy with the chown flag set. */
    public ArtifactSpec withChown(boolean newChown) {
        return new ArtifactSpec(source, destination, mode, options, headers, newChown);
    }

    /**
     * Nomad's submit-time checks: a source is present and the checksum option, when set and not
     * interpolated, is well formed. Destination escapes are checked at fetch time against the real
     * task directory.
     *
     * @throws InvalidArtifactException with Nomad's wording
     */
    public void validate() throws InvalidArtifactException {
        if (source == null || source.isBlank()) {
            throw new InvalidArtifactException("source must be specified");
        }
        String checksum = options.get("checksum");
        if (checksum != null && !checksum.contains("${")) {
            Checksum.parseOption(checksum);
        }
        String d = destination.replace('\\', '/');
        if (SourceUrl.normalizeRelative(d) == null) {
            throw new InvalidArtifactException("destination escapes allocation directory");
        }
    }

    /**
     * A stable digest of everything that defines this artifact (source, options, headers, mode,
     * destination, chown). A task runner records it after a successful fetch so that a restart
     * does not fetch the same artifact again, as Nomad does.
     */
    public String identity() {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            feed(md, source);
            feed(md, destination);
            feed(md, mode.name());
            feed(md, Boolean.toString(chown));
            for (var e : new TreeMap<>(options).entrySet()) {
                feed(md, "o:" + e.getKey());
                feed(md, e.getValue());
            }
            for (var e : new TreeMap<>(headers).entrySet()) {
                feed(md, "h:" + e.getKey());
                feed(md, e.getValue());
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    private static void feed(MessageDigest md, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        md.update((byte) (b.length >>> 24));
        md.update((byte) (b.length >>> 16));
        md.update((byte) (b.length >>> 8));
        md.update((byte) b.length);
        md.update(b);
    }
}
