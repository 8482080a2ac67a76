package dev.corral.agent.artifact;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ArtifactSpecTest {

    @Test
    void mode_parsesNomadSpellingsAndRejectsOthers() throws Exception {
        assertThat(ArtifactSpec.Mode.parse("file")).isEqualTo(ArtifactSpec.Mode.FILE);
        assertThat(ArtifactSpec.Mode.parse("")).isEqualTo(ArtifactSpec.Mode.ANY);
        assertThatThrownBy(() -> ArtifactSpec.Mode.parse("folder"))
                .hasMessage("invalid artifact mode \"folder\"; must be one of: any, file, dir");
    }

    @Test
    void validate_nomadSubmitTimeMessages() throws Exception {
        assertThatThrownBy(() -> ArtifactSpec.of(" ").validate()).hasMessage("source must be specified");
        assertThatThrownBy(() -> ArtifactSpec.of("http://h/f").withOptions(Map.of("checksum", "md5:zz")).validate())
                .hasMessageStartingWith("invalid checksum");
        assertThatThrownBy(() -> ArtifactSpec.of("http://h/f").withDestination("../../etc").validate())
                .hasMessage("destination escapes allocation directory");
        ArtifactSpec.of("http://h/f").withOptions(Map.of("checksum", "${meta.sum}")).validate();
    }

    @Test
    void identity_isStableAndCoversEveryField() {
        ArtifactSpec a = ArtifactSpec.of("http://h/f").withOptions(Map.of("a", "1", "b", "2"));
        ArtifactSpec sameOtherOrder = ArtifactSpec.of("http://h/f").withOptions(Map.of("b", "2", "a", "1"));
        assertThat(a.identity()).isEqualTo(sameOtherOrder.identity()).hasSize(64);
        assertThat(a.withChown(true).identity()).isNotEqualTo(a.identity());
        assertThat(a.withDestination("local/x").identity()).isNotEqualTo(a.identity());
        assertThat(a.withHeaders(Map.of("a", "1")).identity()).isNotEqualTo(a.identity());
    }
}
