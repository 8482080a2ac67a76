package dev.corral.agent.artifact;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class ChecksumTest {

    @Test
    void parseOption_typesAndFileForm() throws Exception {
        assertThat(Checksum.parseOption("md5:" + "AB".repeat(16)))
                .isEqualTo(new Checksum.Fixed(Checksum.Algorithm.MD5, "ab".repeat(16)));
        assertThat(Checksum.parseOption("sha512:" + "0".repeat(128))).isInstanceOf(Checksum.Fixed.class);
        assertThat(Checksum.parseOption("file:https://h/SHA256SUMS"))
                .isEqualTo(new Checksum.FromFile("https://h/SHA256SUMS"));
        assertThat(Checksum.parseOption("1".repeat(40)))
                .isEqualTo(new Checksum.Fixed(Checksum.Algorithm.SHA1, "1".repeat(40)));
    }

    @Test
    void parseOption_nomadMessages() {
        assertThatThrownBy(() -> Checksum.parseOption("")).hasMessage("checksum value cannot be empty");
        assertThatThrownBy(() -> Checksum.parseOption("abc"))
                .hasMessage("checksum must be given as \"type:value\"; got \"abc\"");
        assertThatThrownBy(() -> Checksum.parseOption("crc32:abcd")).hasMessage("unsupported checksum type: crc32");
        assertThatThrownBy(() -> Checksum.parseOption("sha256:abcd")).hasMessage("invalid sha256 checksum: abcd");
        assertThatThrownBy(() -> Checksum.parseOption("sha256:xyz"))
                .hasMessageStartingWith("invalid checksum:");
    }

    @Test
    void findInFile_gnuBsdAndBareLines() {
        String a = "a".repeat(64);
        String b = "b".repeat(64);
        String m = "c".repeat(32);
        String content = "# comment ignored\n" + b + "  other.tgz\n" + a + " *app.tgz\nMD5 (tool) = " + m + "\n";
        assertThat(Checksum.findInFile(content, List.of("app.tgz")))
                .contains(new Checksum.Fixed(Checksum.Algorithm.SHA256, a));
        assertThat(Checksum.findInFile(content, List.of("tool")))
                .contains(new Checksum.Fixed(Checksum.Algorithm.MD5, m));
        assertThat(Checksum.findInFile(content, List.of("missing"))).isEmpty();
        assertThat(Checksum.findInFile(b + "\n", List.of("anything")))
                .contains(new Checksum.Fixed(Checksum.Algorithm.SHA256, b));
    }
}
