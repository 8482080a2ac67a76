package dev.corral.agent.artifact;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A source in go-getter's URL forms, taken apart: the getter ({@code git::}, scheme or detection),
 * the {@code //subdir}, and the query parameters that steer the fetch ({@code archive},
 * {@code checksum}, {@code filename}, {@code ref}, {@code depth}, {@code sshkey}). The job's
 * {@code options} are merged into the query first, overwriting parameters of the same name.
 *
 * @param kind which getter fetches it
 * @param uri what to request: the HTTP URL without user info and steering parameters, or the git
 *     remote; {@code null} for local files
 * @param localPath the local file or repository for {@link Kind#FILE} and local git, else {@code null}
 * @param subdir the {@code //subdir} part, normalized, or {@code null}
 * @param archive the archive type to unpack, or {@code null}
 * @param checksum the checksum option, or {@code null}
 * @param fileName the name a downloaded single file gets ({@code filename} option or the last path segment)
 * @param gitRef {@code ref}, or {@code null}
 * @param gitDepth {@code depth}, or 0
 * @param sshKey base64 private key from {@code sshkey}, or {@code null}
 * @param userInfo {@code user:password} from the URL, sent as basic auth, or {@code null}
 * @param display the URL for messages, password replaced by {@code xxxxx}
 */
record SourceUrl(
        Kind kind,
        URI uri,
        Path localPath,
        String subdir,
        ArchiveType archive,
        Checksum checksum,
        String fileName,
        String gitRef,
        int gitDepth,
        String sshKey,
        String userInfo,
        String display) {

    enum Kind { HTTP, FILE, GIT }

    private static final Pattern FORCED = Pattern.compile("^([A-Za-z0-9]+)::(.+)$");
    private static final Pattern SCHEME = Pattern.compile("^([A-Za-z][A-Za-z0-9+.-]*)://");
    private static final Pattern SCP_LIKE = Pattern.compile("^([A-Za-z0-9._-]+)@([A-Za-z0-9.-]+):(.+)$");

    static SourceUrl parse(String raw, Map<String, String> options, boolean allowLocal)
            throws InvalidArtifactException, UnsupportedSourceException {
        if (raw == null || raw.isBlank()) {
            throw new InvalidArtifactException("source must be specified");
        }
        String src = raw.strip();
        String forced = null;
        Matcher fm = FORCED.matcher(src);
        if (fm.matches()) {
            forced = fm.group(1).toLowerCase(Locale.ROOT);
            src = fm.group(2);
        }
        Matcher scp = SCP_LIKE.matcher(src);
        if (!SCHEME.matcher(src).find() && scp.matches()) {
            // git@github.com:owner/repo.git is ssh in scp syntax.
            forced = "git";
            src = "ssh://" + scp.group(1) + "@" + scp.group(2) + "/" + scp.group(3);
        }
        if (forced != null) {
            switch (forced) {
                case "s3", "gcs", "hg" -> throw notSupported(forced, raw);
                case "git", "http", "https", "file" -> { }
                default -> throw new UnsupportedSourceException(
                        "download not supported for forced getter '" + forced + "' in source \"" + raw + "\"");
            }
        }

        // //subdir: the first "//" after the scheme's "://", before the query.
        String subdir = null;
        int stop = src.indexOf('?') < 0 ? src.length() : src.indexOf('?');
        int offset = 0;
        int schemeEnd = src.substring(0, stop).indexOf("://");
        if (schemeEnd >= 0) {
            offset = schemeEnd + 3;
        }
        int sub = src.substring(offset, stop).indexOf("//");
        if (sub >= 0) {
            sub += offset;
            String rest = src.substring(sub + 2);
            String query = "";
            int q = rest.indexOf('?');
            if (q >= 0) {
                query = rest.substring(q);
                rest = rest.substring(0, q);
            }
            src = src.substring(0, sub) + query;
            subdir = normalizeRelative(rest);
            if (subdir == null) {
                throw new InvalidArtifactException("subdirectory component contain path traversal out of the repository");
            }
            if (subdir.isEmpty()) {
                subdir = null;
            }
        }

        // Split off and merge the query.
        String base = src;
        Map<String, String> query = new LinkedHashMap<>();
        int qi = src.indexOf('?');
        if (qi >= 0) {
            base = src.substring(0, qi);
            for (String pair : src.substring(qi + 1).split("&")) {
                if (pair.isEmpty()) {
                    continue;
                }
                int eq = pair.indexOf('=');
                String k = decode(eq < 0 ? pair : pair.substring(0, eq));
                String v = eq < 0 ? "" : decode(pair.substring(eq + 1));
                query.put(k, v);
            }
        }
        query.putAll(options);

        Kind kind;
        String scheme;
        Matcher sm = SCHEME.matcher(base);
        if (sm.find()) {
            scheme = sm.group(1).toLowerCase(Locale.ROOT);
        } else if (base.startsWith("/")) {
            scheme = "file";
            base = "file://" + base;
        } else {
            String lower = base.toLowerCase(Locale.ROOT);
            if (lower.startsWith("github.com/") || lower.startsWith("gitlab.com/")) {
                forced = "git";
                scheme = "https";
                base = "https://" + base + (lower.endsWith(".git") ? "" : ".git");
            } else if (lower.startsWith("bitbucket.org/")) {
                throw new UnsupportedSourceException("Bitbucket shorthand sources are not supported by Corral; use "
                        + "git::https://bitbucket.org/<owner>/<repo>.git (source \"" + raw + "\")");
            } else if (lower.matches("^[^/]*amazonaws\\.com/.*") || lower.startsWith("s3.")) {
                throw notSupported("s3", raw);
            } else if (lower.startsWith("www.googleapis.com/storage") || lower.startsWith("storage.googleapis.com/")) {
                throw notSupported("gcs", raw);
            } else {
                throw new InvalidArtifactException("source \"" + raw + "\" is a relative path or has no scheme; "
                        + "use an absolute path, file://, http(s):// or git::");
            }
        }
        switch (scheme) {
            case "http", "https" -> kind = "git".equals(forced) || pathOf(base).endsWith(".git") ? Kind.GIT : Kind.HTTP;
            case "file" -> kind = "git".equals(forced) || pathOf(base).endsWith(".git") ? Kind.GIT : Kind.FILE;
            case "ssh", "git" -> kind = Kind.GIT;
            case "s3" -> throw notSupported("s3", raw);
            case "gs", "gcs" -> throw notSupported("gcs", raw);
            default -> throw new UnsupportedSourceException(
                    "download not supported for scheme '" + scheme + "' (source \"" + raw + "\")");
        }
        if ("git".equals(forced)) {
            kind = Kind.GIT;
        }

        URI uri;
        try {
            uri = new URI(base);
        } catch (URISyntaxException e) {
            throw new InvalidArtifactException("failed to parse source URL \"" + raw + "\": " + e.getMessage(), e);
        }
        String userInfo = uri.getRawUserInfo();
        String display = redact(uri);

        Path localPath = null;
        if ("file".equals(scheme)) {
            if (!allowLocal) {
                throw new UnsupportedSourceException("local sources are disabled on this client (source \"" + raw
                        + "\"); set allow_local_sources = true in the client's artifact block to allow them");
            }
            String p = uri.getPath();
            if (p == null || !p.startsWith("/")) {
                throw new InvalidArtifactException("failed to parse source URL \"" + raw + "\": file path must be absolute");
            }
            localPath = Path.of(p).normalize();
        }

        // Steering parameters never reach the server.
        ArchiveType archive = null;
        String archiveOpt = query.remove("archive");
        Checksum checksum = null;
        String checksumOpt = query.remove("checksum");
        if (checksumOpt != null) {
            checksum = Checksum.parseOption(checksumOpt);
        }
        String gitRef = null;
        int gitDepth = 0;
        String sshKey = null;
        if (kind == Kind.GIT) {
            gitRef = emptyToNull(query.remove("ref"));
            String depth = query.remove("depth");
            if (depth != null && !depth.isEmpty()) {
                try {
                    gitDepth = Integer.parseInt(depth);
                } catch (NumberFormatException e) {
                    throw new InvalidArtifactException("ref depth \"" + depth + "\" is not a number", e);
                }
            }
            sshKey = emptyToNull(query.remove("sshkey"));
        }
        String fileName = query.remove("filename");
        if (fileName != null) {
            if (fileName.isEmpty() || fileName.contains("/") || fileName.equals("..") || fileName.equals(".")) {
                throw new InvalidArtifactException("filename query parameter contain path traversal");
            }
        } else {
            String path = uri.getPath() == null ? "" : uri.getPath();
            int slash = path.lastIndexOf('/');
            fileName = path.substring(slash + 1);
            if (fileName.equals(".") || fileName.equals("..")) {
                fileName = "";
            }
        }

        String pathForExtension = uri.getPath() == null ? "" : uri.getPath();
        if (archiveOpt != null && !archiveOpt.isEmpty()) {
            if (isGoFalse(archiveOpt)) {
                archive = null;
            } else if (isGoTrue(archiveOpt)) {
                archive = ArchiveType.byExtension(pathForExtension).orElse(null);
            } else {
                archive = ArchiveType.byName(archiveOpt);
            }
        } else if (kind != Kind.GIT) {
            archive = ArchiveType.byExtension(pathForExtension).orElse(null);
        }

        if (kind == Kind.GIT) {
            if (uri.getScheme().equals("file")) {
                if (!allowLocal) {
                    throw new UnsupportedSourceException("local sources are disabled on this client (source \"" + raw
                            + "\"); set allow_local_sources = true in the client's artifact block to allow them");
                }
            }
            uri = withQuery(uri, query);
        } else if (kind == Kind.HTTP) {
            try {
                uri = withQuery(new URI(uri.getScheme(), null, uri.getHost(), uri.getPort(), uri.getPath(), null, null),
                        query);
            } catch (URISyntaxException e) {
                throw new InvalidArtifactException("failed to parse source URL \"" + raw + "\": " + e.getMessage(), e);
            }
            if (uri.getHost() == null) {
                throw new InvalidArtifactException("failed to parse source URL \"" + raw + "\": no host");
            }
        } else {
            uri = null;
        }
        return new SourceUrl(kind, uri, localPath, subdir, archive, checksum, fileName, gitRef, gitDepth, sshKey,
                userInfo, display);
    }

    /**
     * Normalizes a slash-separated path relative to a root: drops {@code .} and empty segments,
     * applies {@code ..}, and treats a leading {@code /} as the root. Returns {@code ""} for the root
     * itself, or {@code null} when the path climbs above the root.
     */
    static String normalizeRelative(String path) {
        List<String> out = new ArrayList<>();
        for (String seg : path.split("/")) {
            if (seg.isEmpty() || seg.equals(".")) {
                continue;
            }
            if (seg.equals("..")) {
                if (out.isEmpty()) {
                    return null;
                }
                out.removeLast();
            } else {
                out.add(seg);
            }
        }
        return String.join("/", out);
    }

    private static UnsupportedSourceException notSupported(String getter, String raw) {
        String what = switch (getter) {
            case "s3" -> "S3";
            case "gcs" -> "Google Cloud Storage";
            default -> "Mercurial (hg)";
        };
        return new UnsupportedSourceException(what + " sources are not supported by Corral (source \"" + raw
                + "\"); serve the artifact over https or git instead");
    }

    private static String pathOf(String url) {
        int q = url.indexOf('?');
        return q < 0 ? url : url.substring(0, q);
    }

    private static URI withQuery(URI u, Map<String, String> query) {
        if (query.isEmpty()) {
            return u;
        }
        StringBuilder sb = new StringBuilder(u.toString());
        sb.append(u.getRawQuery() == null ? '?' : '&');
        boolean first = true;
        for (var e : query.entrySet()) {
            if (!first) {
                sb.append('&');
            }
            first = false;
            sb.append(URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8)).append('=')
                    .append(URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8));
        }
        return URI.create(sb.toString());
    }

    private static String redact(URI u) {
        String ui = u.getRawUserInfo();
        if (ui == null) {
            return u.toString();
        }
        int colon = ui.indexOf(':');
        String shown = colon < 0 ? ui : ui.substring(0, colon) + ":xxxxx";
        return u.toString().replace(ui + "@", shown + "@");
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }

    private static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    // Go's strconv.ParseBool spellings.
    private static boolean isGoFalse(String v) {
        return switch (v) {
            case "0", "f", "F", "false", "FALSE", "False" -> true;
            default -> false;
        };
    }

    private static boolean isGoTrue(String v) {
        return switch (v) {
            case "1", "t", "T", "true", "TRUE", "True" -> true;
            default -> false;
        };
    }
}
