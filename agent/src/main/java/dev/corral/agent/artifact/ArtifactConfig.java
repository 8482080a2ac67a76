package dev.corral.agent.artifact;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The client's {@code artifact {}} block: Nomad's keys with Nomad's defaults, plus Corral's own.
 * Defaults are resolved here and nowhere else ({@link #defaults()}, {@link #builder()}).
 *
 * <p>Nomad keys: {@code http_read_timeout} (30m; the whole request must complete within it),
 * {@code http_max_size} (100GB), {@code gcs_timeout}, {@code git_timeout}, {@code hg_timeout},
 * {@code s3_timeout} (30m each; only {@code git_timeout} is used, since Corral refuses GCS, S3 and
 * Mercurial), {@code decompression_size_limit} (100GB), {@code decompression_file_count_limit}
 * (4096), {@code disable_filesystem_isolation} (false) and {@code set_environment_variables}.
 * Nomad runs go-getter in a landlocked child process; Corral fetches in-process and confines
 * writes by path checks that are always on (see {@link ArtifactFetcher}), so
 * {@code disable_filesystem_isolation} and {@code filesystem_isolation_extra_paths} are accepted for
 * compatibility and have no effect.
 * {@code set_environment_variables} names agent variables passed to the {@code git} child (whose
 * environment is otherwise reset).
 *
 * <p>Corral keys: {@code allow_local_sources} (false: {@code file://} and absolute paths are
 * refused, as in Nomad), {@code cache_dir} (unset: no cache), {@code cache_size_limit} (10GB),
 * {@code http_connect_timeout} (30s), {@code http_retries} (3 retries after the first attempt),
 * {@code http_retry_backoff} (1s, doubled each retry, capped at 30s) and
 * {@code parallel_downloads} (3, Nomad's fixed worker count).
 *
 * @param httpReadTimeout deadline for one HTTP request, headers and body; > 0
 * @param httpMaxSize largest HTTP body in bytes; 0 = unlimited
 * @param gcsTimeout accepted, unused (GCS is not supported)
 * @param gitTimeout deadline for all git commands of one artifact; > 0
 * @param hgTimeout accepted, unused (Mercurial is not supported)
 * @param s3Timeout accepted, unused (S3 is not supported)
 * @param decompressionSizeLimit total bytes one archive may unpack to; 0 = unlimited
 * @param decompressionFileCountLimit entries one archive may hold; 0 = unlimited
 * @param disableFilesystemIsolation accepted, no effect (see above)
 * @param setEnvironmentVariables agent environment variable names passed to git
 * @param allowLocalSources allow {@code file://}, absolute paths and local git repositories
 * @param cacheDir node-wide artifact cache directory, or empty for no cache
 * @param cacheSizeLimit bytes the cache may hold before least-recently-used blobs are evicted
 * @param httpConnectTimeout TCP/TLS connect timeout
 * @param httpRetries retries after a connection error or a 5xx response (never after a 4xx)
 * @param httpRetryBackoff first retry delay; doubles each retry, capped at 30s
 * @param parallelDownloads artifacts of one task fetched at the same time
 */
public record ArtifactConfig(
        Duration httpReadTimeout,
        long httpMaxSize,
        Duration gcsTimeout,
        Duration gitTimeout,
        Duration hgTimeout,
        Duration s3Timeout,
        long decompressionSizeLimit,
        int decompressionFileCountLimit,
        boolean disableFilesystemIsolation,
        List<String> setEnvironmentVariables,
        boolean allowLocalSources,
        Optional<Path> cacheDir,
        long cacheSizeLimit,
        Duration httpConnectTimeout,
        int httpRetries,
        Duration httpRetryBackoff,
        int parallelDownloads) {

    private static final long GB = 1_000_000_000L;

    public ArtifactConfig {
        setEnvironmentVariables = List.copyOf(setEnvironmentVariables);
        cacheDir = cacheDir == null ? Optional.empty() : cacheDir;
        validate(httpReadTimeout, httpMaxSize, gitTimeout, decompressionSizeLimit, decompressionFileCountLimit,
                cacheSizeLimit, httpConnectTimeout, httpRetries, httpRetryBackoff, parallelDownloads);
    }

    /** Nomad's defaults, no local sources, no cache. */
    public static ArtifactConfig defaults() {
        return builder().build();
    }

    /** A builder starting from the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from this configuration. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.httpReadTimeout = httpReadTimeout;
        b.httpMaxSize = httpMaxSize;
        b.gcsTimeout = gcsTimeout;
        b.gitTimeout = gitTimeout;
        b.hgTimeout = hgTimeout;
        b.s3Timeout = s3Timeout;
        b.decompressionSizeLimit = decompressionSizeLimit;
        b.decompressionFileCountLimit = decompressionFileCountLimit;
        b.disableFilesystemIsolation = disableFilesystemIsolation;
        b.setEnvironmentVariables = setEnvironmentVariables;
        b.allowLocalSources = allowLocalSources;
        b.cacheDir = cacheDir.orElse(null);
        b.cacheSizeLimit = cacheSizeLimit;
        b.httpConnectTimeout = httpConnectTimeout;
        b.httpRetries = httpRetries;
        b.httpRetryBackoff = httpRetryBackoff;
        b.parallelDownloads = parallelDownloads;
        return b;
    }

    /** Every key of the client's {@code artifact} block: Nomad's, then Corral's own. */
    public static final List<String> KEYS = List.of("http_read_timeout", "http_max_size", "gcs_timeout",
            "git_timeout", "hg_timeout", "s3_timeout", "decompression_size_limit", "decompression_file_count_limit",
            "disable_filesystem_isolation", "filesystem_isolation_extra_paths", "set_environment_variables",
            "allow_local_sources", "cache_dir", "cache_size_limit", "http_connect_timeout", "http_retries",
            "http_retry_backoff", "parallel_downloads");

    /**
     * Reads the client block's keys as written in the agent configuration: durations in Go syntax
     * ({@code "30m"}, {@code "1h30m"}), sizes as Nomad parses them ({@code "100GB"} is 10^11 bytes,
     * {@code "1GiB"} is 2^30), booleans {@code true/false}, and {@code set_environment_variables} as a
     * comma or space separated list. Unknown keys are errors.
     *
     * @throws IllegalArgumentException naming the key ({@code artifact.<key>}) and the bad value
     */
    public static ArtifactConfig fromKeys(Map<String, String> keys) {
        Builder b = builder();
        for (var e : keys.entrySet()) {
            String k = e.getKey();
            String v = e.getValue() == null ? "" : e.getValue().trim();
            switch (k) {
                case "http_read_timeout" -> b.httpReadTimeout(duration(k, v));
                case "http_max_size" -> b.httpMaxSize(size(k, v));
                case "gcs_timeout" -> b.gcsTimeout = duration(k, v);
                case "git_timeout" -> b.gitTimeout(duration(k, v));
                case "hg_timeout" -> b.hgTimeout = duration(k, v);
                case "s3_timeout" -> b.s3Timeout = duration(k, v);
                case "decompression_size_limit" -> b.decompressionSizeLimit(size(k, v));
                case "decompression_file_count_limit" -> b.decompressionFileCountLimit(integer(k, v));
                case "disable_filesystem_isolation" -> b.disableFilesystemIsolation = bool(k, v);
                // Nomad 1.8+ landlock paths; Corral has no landlocked getter, so there is nothing to extend.
                case "filesystem_isolation_extra_paths" -> { }
                case "set_environment_variables" -> b.setEnvironmentVariables(
                        v.isEmpty() ? List.of() : List.of(v.split("[,\\s]+")));
                case "allow_local_sources" -> b.allowLocalSources(bool(k, v));
                case "cache_dir" -> b.cacheDir(v.isEmpty() ? null : Path.of(v));
                case "cache_size_limit" -> b.cacheSizeLimit(size(k, v));
                case "http_connect_timeout" -> b.httpConnectTimeout(duration(k, v));
                case "http_retries" -> b.httpRetries(integer(k, v));
                case "http_retry_backoff" -> b.httpRetryBackoff(duration(k, v));
                case "parallel_downloads" -> b.parallelDownloads(integer(k, v));
                default -> throw new IllegalArgumentException("artifact: unknown key \"" + k + "\"");
            }
        }
        return b.build();
    }

    private static void validate(Duration httpReadTimeout, long httpMaxSize, Duration gitTimeout,
            long decompressionSizeLimit, int decompressionFileCountLimit, long cacheSizeLimit,
            Duration httpConnectTimeout, int httpRetries, Duration httpRetryBackoff, int parallelDownloads) {
        List<String> errors = new ArrayList<>();
        if (httpReadTimeout == null || !httpReadTimeout.isPositive()) {
            errors.add("http_read_timeout must be > 0");
        }
        if (httpMaxSize < 0) {
            errors.add("http_max_size must be >= 0 but found " + httpMaxSize);
        }
        if (gitTimeout == null || !gitTimeout.isPositive()) {
            errors.add("git_timeout must be > 0");
        }
        if (decompressionSizeLimit < 0) {
            errors.add("decompression_size_limit must be >= 0 but found " + decompressionSizeLimit);
        }
        if (decompressionFileCountLimit < 0) {
            errors.add("decompression_file_count_limit must be >= 0 but found " + decompressionFileCountLimit);
        }
        if (cacheSizeLimit <= 0) {
            errors.add("cache_size_limit must be > 0 but found " + cacheSizeLimit);
        }
        if (httpConnectTimeout == null || !httpConnectTimeout.isPositive()) {
            errors.add("http_connect_timeout must be > 0");
        }
        if (httpRetries < 0) {
            errors.add("http_retries must be >= 0 but found " + httpRetries);
        }
        if (httpRetryBackoff == null || httpRetryBackoff.isNegative()) {
            errors.add("http_retry_backoff must be >= 0");
        }
        if (parallelDownloads < 1) {
            errors.add("parallel_downloads must be >= 1 but found " + parallelDownloads);
        }
        if (!errors.isEmpty()) {
            throw new IllegalArgumentException("invalid artifact configuration: " + String.join("; ", errors));
        }
    }

    private static final Pattern GO_DURATION_PART = Pattern.compile("(\\d+(?:\\.\\d+)?)(ns|us|µs|ms|s|m|h)");

    static Duration duration(String key, String v) {
        if (v.equals("0")) {
            return Duration.ZERO;
        }
        Matcher m = GO_DURATION_PART.matcher(v);
        int pos = 0;
        BigDecimal nanos = BigDecimal.ZERO;
        while (pos < v.length() && m.find(pos) && m.start() == pos) {
            BigDecimal n = new BigDecimal(m.group(1));
            long unit = switch (m.group(2)) {
                case "ns" -> 1L;
                case "us", "µs" -> 1_000L;
                case "ms" -> 1_000_000L;
                case "s" -> 1_000_000_000L;
                case "m" -> 60_000_000_000L;
                default -> 3_600_000_000_000L;
            };
            nanos = nanos.add(n.multiply(BigDecimal.valueOf(unit)));
            pos = m.end();
        }
        if (pos == 0 || pos != v.length()) {
            throw new IllegalArgumentException("artifact." + key + " is not a valid duration: \"" + v
                    + "\" (use Go syntax such as \"30s\", \"10m\", \"1h30m\")");
        }
        return Duration.ofNanos(nanos.longValue());
    }

    private static final Pattern SIZE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([a-zA-Z]*)");

    /** Parses a size the way Nomad's humanize does: SI units (kB, MB, GB...) and IEC (KiB, MiB...). */
    static long size(String key, String v) {
        Matcher m = SIZE.matcher(v);
        if (!m.matches()) {
            throw new IllegalArgumentException("artifact." + key + " not a valid size: \"" + v + "\"");
        }
        long mult = switch (m.group(2).toLowerCase(Locale.ROOT)) {
            case "", "b" -> 1L;
            case "k", "kb" -> 1_000L;
            case "m", "mb" -> 1_000_000L;
            case "g", "gb" -> GB;
            case "t", "tb" -> 1_000 * GB;
            case "ki", "kib" -> 1L << 10;
            case "mi", "mib" -> 1L << 20;
            case "gi", "gib" -> 1L << 30;
            case "ti", "tib" -> 1L << 40;
            default -> throw new IllegalArgumentException(
                    "artifact." + key + " not a valid size: unknown unit \"" + m.group(2) + "\" in \"" + v + "\"");
        };
        return new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(mult)).longValue();
    }

    private static int integer(String key, String v) {
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("artifact." + key + " is not an integer: \"" + v + "\"", e);
        }
    }

    private static boolean bool(String key, String v) {
        return switch (v) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException("artifact." + key + " must be true or false, not \"" + v + "\"");
        };
    }

    /** Mutable builder; {@link #build()} validates. */
    public static final class Builder {
        private Duration httpReadTimeout = Duration.ofMinutes(30);
        private long httpMaxSize = 100 * GB;
        private Duration gcsTimeout = Duration.ofMinutes(30);
        private Duration gitTimeout = Duration.ofMinutes(30);
        private Duration hgTimeout = Duration.ofMinutes(30);
        private Duration s3Timeout = Duration.ofMinutes(30);
        private long decompressionSizeLimit = 100 * GB;
        private int decompressionFileCountLimit = 4096;
        private boolean disableFilesystemIsolation;
        private List<String> setEnvironmentVariables = List.of();
        private boolean allowLocalSources;
        private Path cacheDir;
        private long cacheSizeLimit = 10 * GB;
        private Duration httpConnectTimeout = Duration.ofSeconds(30);
        private int httpRetries = 3;
        private Duration httpRetryBackoff = Duration.ofSeconds(1);
        private int parallelDownloads = 3;

        private Builder() {
        }

        public Builder httpReadTimeout(Duration v) { httpReadTimeout = v; return this; }

        public Builder httpMaxSize(long v) { httpMaxSize = v; return this; }

        public Builder gitTimeout(Duration v) { gitTimeout = v; return this; }

        public Builder hgTimeout(Duration v) { hgTimeout = v; return this; }

        public Builder decompressionSizeLimit(long v) { decompressionSizeLimit = v; return this; }

        public Builder decompressionFileCountLimit(int v) { decompressionFileCountLimit = v; return this; }

        public Builder setEnvironmentVariables(List<String> v) { setEnvironmentVariables = v; return this; }

        public Builder allowLocalSources(boolean v) { allowLocalSources = v; return this; }

        public Builder cacheDir(Path v) { cacheDir = v; return this; }

        public Builder cacheSizeLimit(long v) { cacheSizeLimit = v; return this; }

        public Builder httpConnectTimeout(Duration v) { httpConnectTimeout = v; return this; }

        public Builder httpRetries(int v) { httpRetries = v; return this; }

        public Builder httpRetryBackoff(Duration v) { httpRetryBackoff = v; return this; }

        public Builder parallelDownloads(int v) { parallelDownloads = v; return this; }

        public ArtifactConfig build() {
            return new ArtifactConfig(httpReadTimeout, httpMaxSize, gcsTimeout, gitTimeout, hgTimeout, s3Timeout,
                    decompressionSizeLimit, decompressionFileCountLimit, disableFilesystemIsolation,
                    setEnvironmentVariables, allowLocalSources, Optional.ofNullable(cacheDir), cacheSizeLimit,
                    httpConnectTimeout, httpRetries, httpRetryBackoff, parallelDownloads);
        }
    }
}
