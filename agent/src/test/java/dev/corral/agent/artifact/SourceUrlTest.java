package dev.corral.agent.artifact;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SourceUrlTest {

    private static SourceUrl parse(String s) throws ArtifactException {
        return SourceUrl.parse(s, Map.of(), false);
    }

    @Test
    void http_tarGzByExtension_unpacksAndKeepsOtherQuery() throws Exception {
        SourceUrl u = parse("https://example.com/dl/app-1.0.tar.gz?token=a%20b&archive=");
        assertThat(u.kind()).isEqualTo(SourceUrl.Kind.HTTP);
        assertThat(u.archive()).isEqualTo(ArchiveType.TAR_GZ);
        assertThat(u.fileName()).isEqualTo("app-1.0.tar.gz");
        assertThat(u.uri().toString()).isEqualTo("https://example.com/dl/app-1.0.tar.gz?token=a+b");
    }

    @Test
    void options_overwriteQueryAndNeverReachServer() throws Exception {
        String sha = "a".repeat(64);
        SourceUrl u = SourceUrl.parse("http://h/f.zip?archive=zip&x=1",
                Map.of("archive", "false", "checksum", "sha256:" + sha, "x", "2"), false);
        assertThat(u.archive()).isNull();
        assertThat(u.checksum()).isEqualTo(new Checksum.Fixed(Checksum.Algorithm.SHA256, sha));
        assertThat(u.uri().getQuery()).isEqualTo("x=2");
    }

    @Test
    void archiveOption_forcesTypeAndRejectsUnknown() throws Exception {
        assertThat(SourceUrl.parse("http://h/blob", Map.of("archive", "tgz"), false).archive())
                .isEqualTo(ArchiveType.TAR_GZ);
        assertThat(parse("http://h/a.tar.xz").archive()).isEqualTo(ArchiveType.TAR_XZ);
        assertThat(parse("http://h/a.xz").archive()).isEqualTo(ArchiveType.XZ);
        assertThatThrownBy(() -> SourceUrl.parse("http://h/blob", Map.of("archive", "rar"), false))
                .isInstanceOf(InvalidArtifactException.class).hasMessageContaining("unknown archive type \"rar\"");
        assertThatThrownBy(() -> parse("http://h/a.tar.zst"))
                .isInstanceOf(UnsupportedSourceException.class).hasMessageContaining("zstd");
    }

    @Test
    void git_forcedWithSubdirRefAndDepth() throws Exception {
        SourceUrl u = parse("git::https://example.com/org/repo.git//deploy/conf?ref=v1.2&depth=1");
        assertThat(u.kind()).isEqualTo(SourceUrl.Kind.GIT);
        assertThat(u.subdir()).isEqualTo("deploy/conf");
        assertThat(u.gitRef()).isEqualTo("v1.2");
        assertThat(u.gitDepth()).isEqualTo(1);
        assertThat(u.uri().toString()).isEqualTo("https://example.com/org/repo.git");
        assertThat(u.archive()).isNull();
    }

    @Test
    void git_detectedFromDotGitGithubAndScpSyntax() throws Exception {
        assertThat(parse("https://example.com/r.git?ref=main").kind()).isEqualTo(SourceUrl.Kind.GIT);
        SourceUrl gh = parse("github.com/hashicorp/example");
        assertThat(gh.kind()).isEqualTo(SourceUrl.Kind.GIT);
        assertThat(gh.uri().toString()).isEqualTo("https://github.com/hashicorp/example.git");
        SourceUrl scp = parse("git@github.com:owner/repo.git");
        assertThat(scp.kind()).isEqualTo(SourceUrl.Kind.GIT);
        assertThat(scp.uri().toString()).isEqualTo("ssh://git@github.com/owner/repo.git");
    }

    @Test
    void subdir_traversalIsRefused() {
        assertThatThrownBy(() -> parse("git::https://h/r.git//../../etc"))
                .isInstanceOf(InvalidArtifactException.class)
                .hasMessage("subdirectory component contain path traversal out of the repository");
    }

    @Test
    void filename_traversalIsRefused() {
        assertThatThrownBy(() -> SourceUrl.parse("http://h/x", Map.of("filename", "../evil"), false))
                .isInstanceOf(InvalidArtifactException.class)
                .hasMessage("filename query parameter contain path traversal");
    }

    @Test
    void s3GcsHg_areNotSupported() {
        for (String s : new String[] {"s3::https://s3.amazonaws.com/bucket/f", "bucket.s3.amazonaws.com/f",
                "gcs::https://www.googleapis.com/storage/v1/b/f", "hg::http://h/repo", "s3://bucket/key", "gs://b/k"}) {
            assertThatThrownBy(() -> parse(s)).as(s)
                    .isInstanceOf(UnsupportedSourceException.class).hasMessageContaining("not supported");
        }
    }

    @Test
    void localSources_refusedByDefaultAllowedWhenConfigured() throws Exception {
        assertThatThrownBy(() -> parse("/etc/passwd"))
                .isInstanceOf(UnsupportedSourceException.class).hasMessageContaining("allow_local_sources");
        assertThatThrownBy(() -> parse("file:///etc/passwd"))
                .isInstanceOf(UnsupportedSourceException.class).hasMessageContaining("local sources are disabled");
        assertThatThrownBy(() -> parse("git::/srv/repo.git"))
                .isInstanceOf(UnsupportedSourceException.class);
        SourceUrl u = SourceUrl.parse("/srv/files/app.tgz?archive=false", Map.of(), true);
        assertThat(u.kind()).isEqualTo(SourceUrl.Kind.FILE);
        assertThat(u.localPath()).isEqualTo(Path.of("/srv/files/app.tgz"));
        assertThat(u.archive()).isNull();
    }

    @Test
    void relativePath_isRefusedWithAHint() {
        assertThatThrownBy(() -> parse("files/app.tgz"))
                .isInstanceOf(InvalidArtifactException.class).hasMessageContaining("relative path");
    }

    @Test
    void userInfo_isRedactedForDisplayAndKeptForAuth() throws Exception {
        SourceUrl u = parse("https://alice:s3cret@h/f");
        assertThat(u.display()).isEqualTo("https://alice:xxxxx@h/f");
        assertThat(u.userInfo()).isEqualTo("alice:s3cret");
        assertThat(u.uri().toString()).isEqualTo("https://h/f");
    }

    @Test
    void normalizeRelative_climbingAboveRootIsNull() {
        assertThat(SourceUrl.normalizeRelative("local/./a/../b")).isEqualTo("local/b");
        assertThat(SourceUrl.normalizeRelative("/local/")).isEqualTo("local");
        assertThat(SourceUrl.normalizeRelative("local/../..")).isNull();
        assertThat(SourceUrl.normalizeRelative(".")).isEmpty();
    }
}
