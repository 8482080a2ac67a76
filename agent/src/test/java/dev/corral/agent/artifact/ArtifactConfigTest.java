package dev.corral.agent.artifact;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ArtifactConfigTest {

    @Test
    void defaults_matchNomad() {
        ArtifactConfig c = ArtifactConfig.defaults();
        assertThat(c.httpReadTimeout()).isEqualTo(Duration.ofMinutes(30));
        assertThat(c.httpMaxSize()).isEqualTo(100_000_000_000L);
        assertThat(c.gitTimeout()).isEqualTo(Duration.ofMinutes(30));
        assertThat(c.decompressionSizeLimit()).isEqualTo(100_000_000_000L);
        assertThat(c.decompressionFileCountLimit()).isEqualTo(4096);
        assertThat(c.disableFilesystemIsolation()).isFalse();
        assertThat(c.allowLocalSources()).isFalse();
        assertThat(c.cacheDir()).isEmpty();
        assertThat(c.parallelDownloads()).isEqualTo(3);
    }

    @Test
    void fromKeys_parsesGoDurationsAndHumanizedSizes() {
        ArtifactConfig c = ArtifactConfig.fromKeys(Map.of(
                "http_read_timeout", "1h30m",
                "http_max_size", "1.5GB",
                "decompression_size_limit", "2GiB",
                "decompression_file_count_limit", "0",
                "set_environment_variables", "SSH_AUTH_SOCK, HTTPS_PROXY",
                "allow_local_sources", "true",
                "cache_dir", "/var/lib/corral/artifacts",
                "cache_size_limit", "500MB",
                "http_retry_backoff", "250ms",
                "filesystem_isolation_extra_paths", "r:/opt/certs"));
        assertThat(c.httpReadTimeout()).isEqualTo(Duration.ofMinutes(90));
        assertThat(c.httpMaxSize()).isEqualTo(1_500_000_000L);
        assertThat(c.decompressionSizeLimit()).isEqualTo(2L << 30);
        assertThat(c.decompressionFileCountLimit()).isZero();
        assertThat(c.setEnvironmentVariables()).containsExactly("SSH_AUTH_SOCK", "HTTPS_PROXY");
        assertThat(c.allowLocalSources()).isTrue();
        assertThat(c.cacheDir()).contains(Path.of("/var/lib/corral/artifacts"));
        assertThat(c.cacheSizeLimit()).isEqualTo(500_000_000L);
        assertThat(c.httpRetryBackoff()).isEqualTo(Duration.ofMillis(250));
    }

    @Test
    void fromKeys_errorsNameTheKey() {
        assertThatThrownBy(() -> ArtifactConfig.fromKeys(Map.of("http_read_timeout", "0")))
                .hasMessageContaining("http_read_timeout must be > 0");
        assertThatThrownBy(() -> ArtifactConfig.fromKeys(Map.of("http_max_size", "lots")))
                .hasMessageContaining("artifact.http_max_size not a valid size");
        assertThatThrownBy(() -> ArtifactConfig.fromKeys(Map.of("decompression_file_count_limit", "-1")))
                .hasMessageContaining("decompression_file_count_limit must be >= 0 but found -1");
        assertThatThrownBy(() -> ArtifactConfig.fromKeys(Map.of("git_timeout", "ten minutes")))
                .hasMessageContaining("artifact.git_timeout is not a valid duration");
        assertThatThrownBy(() -> ArtifactConfig.fromKeys(Map.of("htp_max_size", "1")))
                .hasMessageContaining("unknown key \"htp_max_size\"");
    }

    @Test
    void toBuilder_roundTrips() {
        ArtifactConfig c = ArtifactConfig.builder().httpRetries(0).setEnvironmentVariables(List.of("A")).build();
        assertThat(c.toBuilder().build()).isEqualTo(c);
    }
}
