package dev.corral.agent.artifact;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.EnumMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;

/**
 * HTTP(S) GET into a file with the client's limits: connect timeout, a deadline for the whole
 * request ({@code http_read_timeout}), {@code http_max_size}, and retries with exponential backoff
 * after connection errors, truncated bodies and 5xx responses. A 4xx is final. Digests are
 * computed while the bytes are written, so verifying costs no second read.
 */
final class HttpDownloader {
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);
    private static final long PROGRESS_EVERY_NANOS = 250_000_000L;

    /** Result of one download. {@code notModified} means a conditional request got 304 and nothing was written. */
    record Result(long bytes, Map<Checksum.Algorithm, String> digests, String etag, String lastModified,
            boolean notModified) {
    }

    /** Conditional request validators from an earlier download of the same URL. */
    record Validators(String etag, String lastModified) {
    }

    interface ProgressListener {
        void progress(long bytes, long total);
    }

    private final HttpClient client;
    private final ArtifactConfig config;

    HttpDownloader(HttpClient client, ArtifactConfig config) {
        this.client = client;
        this.config = config;
    }

    /** Not a final failure: the attempt may be repeated. */
    private static final class Retryable extends Exception {
        Retryable(String message) {
            super(message, null, false, false);
        }
    }

    Result download(URI uri, String userInfo, String display, Map<String, String> headers, Path target,
            Set<Checksum.Algorithm> algorithms, Validators validators, ProgressListener progress)
            throws ArtifactException, InterruptedException, IOException {
        String prefix = "error downloading '" + display + "': ";
        Retryable last = null;
        int attempts = config.httpRetries() + 1;
        for (int attempt = 0; attempt < attempts; attempt++) {
            if (attempt > 0) {
                Thread.sleep(backoff(attempt));
            }
            try {
                return once(uri, userInfo, prefix, headers, target, algorithms, validators, progress);
            } catch (Retryable r) {
                last = r;
            }
        }
        throw new DownloadException(prefix + last.getMessage()
                + (attempts > 1 ? " (gave up after " + attempts + " attempts)" : ""));
    }

    private Duration backoff(int attempt) {
        Duration d = config.httpRetryBackoff().multipliedBy(1L << Math.min(attempt - 1, 20));
        return d.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : d;
    }

    private Result once(URI uri, String userInfo, String prefix, Map<String, String> headers, Path target,
            Set<Checksum.Algorithm> algorithms, Validators validators, ProgressListener progress)
            throws ArtifactException, InterruptedException, IOException, Retryable {
        Duration readTimeout = config.httpReadTimeout();
        long deadline = System.nanoTime() + readTimeout.toNanos();
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).GET().timeout(readTimeout);
        if ("http".equals(uri.getScheme())) {
            // No h2c upgrade dance on plain http; TLS negotiates HTTP/2 through ALPN.
            b.version(HttpClient.Version.HTTP_1_1);
        }
        boolean hasAuthorization = false;
        for (var h : headers.entrySet()) {
            hasAuthorization |= h.getKey().equalsIgnoreCase("Authorization");
            try {
                b.header(h.getKey(), h.getValue());
            } catch (IllegalArgumentException e) {
                throw new InvalidArtifactException("header \"" + h.getKey() + "\" cannot be set: " + e.getMessage());
            }
        }
        if (userInfo != null && !hasAuthorization) {
            String decoded = URLDecoder.decode(userInfo, StandardCharsets.UTF_8);
            b.header("Authorization", "Basic "
                    + Base64.getEncoder().encodeToString(decoded.getBytes(StandardCharsets.UTF_8)));
        }
        if (validators != null) {
            if (validators.etag() != null) {
                b.header("If-None-Match", validators.etag());
            }
            if (validators.lastModified() != null) {
                b.header("If-Modified-Since", validators.lastModified());
            }
        }

        HttpResponse<InputStream> resp;
        try {
            resp = client.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (HttpConnectTimeoutException e) {
            throw new Retryable("connection timed out after " + config.httpConnectTimeout());
        } catch (HttpTimeoutException e) {
            throw new DownloadException(prefix + "request did not complete within http_read_timeout (" + readTimeout + ")");
        } catch (IOException e) {
            if (Thread.currentThread().isInterrupted()) {
                throw new InterruptedException("artifact download cancelled");
            }
            throw new Retryable(describe(e));
        }
        try (InputStream body = resp.body()) {
            int status = resp.statusCode();
            if (status == 304 && validators != null) {
                return new Result(0, Map.of(), validators.etag(), validators.lastModified(), true);
            }
            if (status >= 500) {
                throw new Retryable("bad response code: " + status);
            }
            if (status >= 300 && status < 400) {
                // Redirect.NORMAL never follows https -> http; say so instead of a bare 3xx.
                throw new DownloadException(prefix + "bad response code: " + status + " (redirect to "
                        + resp.headers().firstValue("Location").orElse("nowhere") + " not followed)");
            }
            if (status < 200 || status >= 300) {
                throw new DownloadException(prefix + "bad response code: " + status);
            }
            OptionalLong length = resp.headers().firstValueAsLong("Content-Length");
            long max = config.httpMaxSize();
            if (max > 0 && length.isPresent() && length.getAsLong() > max) {
                throw new DownloadException(prefix + "response of " + length.getAsLong()
                        + " bytes exceeds http_max_size (" + max + " bytes)");
            }
            Map<Checksum.Algorithm, MessageDigest> digests = new EnumMap<>(Checksum.Algorithm.class);
            for (Checksum.Algorithm a : algorithms) {
                digests.put(a, a.newDigest());
            }
            long bytes = copyWithDeadline(body, target, deadline, digests, max, length.orElse(-1), progress, prefix,
                    readTimeout);
            Map<Checksum.Algorithm, String> hex = new EnumMap<>(Checksum.Algorithm.class);
            digests.forEach((a, md) -> hex.put(a, Checksum.hex(md.digest())));
            return new Result(bytes, hex, resp.headers().firstValue("ETag").orElse(null),
                    resp.headers().firstValue("Last-Modified").orElse(null), false);
        }
    }

    /**
     * Copies the body into {@code target}. The JDK client has no body read timeout, so a watchdog
     * interrupts this thread at the deadline; the blocked read then fails and is reported as a timeout.
     */
    private long copyWithDeadline(InputStream body, Path target, long deadline, Map<Checksum.Algorithm, MessageDigest> digests,
            long max, long total, ProgressListener progress, String prefix, Duration readTimeout)
            throws IOException, ArtifactException, InterruptedException, Retryable {
        Thread worker = Thread.currentThread();
        Object lock = new Object();
        boolean[] state = {true, false}; // reading, expired
        Thread watchdog = Thread.ofVirtual().name("artifact-deadline").start(() -> {
            try {
                long wait = deadline - System.nanoTime();
                if (wait > 0) {
                    Thread.sleep(Duration.ofNanos(wait));
                }
            } catch (InterruptedException done) {
                return;
            }
            synchronized (lock) {
                if (state[0]) {
                    state[1] = true;
                    worker.interrupt();
                }
            }
        });
        long bytes = 0;
        try (OutputStream out = Files.newOutputStream(target)) {
            byte[] buf = new byte[64 * 1024];
            long lastReport = System.nanoTime();
            int n;
            while ((n = body.read(buf)) > 0) {
                bytes += n;
                if (max > 0 && bytes > max) {
                    throw new DownloadException(prefix + "response exceeds http_max_size (" + max + " bytes)");
                }
                for (MessageDigest md : digests.values()) {
                    md.update(buf, 0, n);
                }
                out.write(buf, 0, n);
                long now = System.nanoTime();
                if (progress != null && now - lastReport > PROGRESS_EVERY_NANOS) {
                    lastReport = now;
                    progress.progress(bytes, total);
                }
            }
            if (total >= 0 && bytes != total) {
                throw new Retryable("connection closed after " + bytes + " of " + total + " bytes");
            }
        } catch (IOException e) {
            boolean expired;
            synchronized (lock) {
                state[0] = false;
                expired = state[1];
            }
            if (expired) {
                Thread.interrupted();
                throw new DownloadException(prefix + "request did not complete within http_read_timeout (" + readTimeout
                        + "); received " + bytes + " bytes");
            }
            if (worker.isInterrupted() || e instanceof InterruptedIOException) {
                throw new InterruptedException("artifact download cancelled");
            }
            throw new Retryable(describe(e) + " after " + bytes + " bytes");
        } finally {
            synchronized (lock) {
                state[0] = false;
                if (state[1]) {
                    Thread.interrupted();
                }
            }
            watchdog.interrupt();
        }
        if (progress != null) {
            progress.progress(bytes, total);
        }
        return bytes;
    }

    /** Downloads a small document (a checksum file) into memory. */
    byte[] fetchSmall(URI uri, String userInfo, String display, Map<String, String> headers, Path scratch)
            throws ArtifactException, InterruptedException, IOException {
        download(uri, userInfo, display, headers, scratch, Set.of(), null, null);
        long size = Files.size(scratch);
        if (size > 1 << 20) {
            throw new DownloadException("error downloading '" + display + "': checksum file larger than 1 MiB");
        }
        return Files.readAllBytes(scratch);
    }

    private static String describe(IOException e) {
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
    }
}
