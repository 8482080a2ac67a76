package dev.corral.agent.gc;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class GcPolicyTest {
    private static final GcConfig C = GcConfig.DEFAULT;

    @Test
    void defaults_matchNomad() {
        assertThat(C.maxAllocs()).isEqualTo(50);
        assertThat(C.diskUsageThreshold()).isEqualTo(80);
        assertThat(C.inodeUsageThreshold()).isEqualTo(70);
        assertThat(C.parallelDestroys()).isEqualTo(2);
        assertThat(new GcConfig(C.interval(), 80, 70, 50, 0).parallelDestroys()).isEqualTo(1);
    }

    @Test
    void reason_checksDiskThenInodesThenCount() {
        assertThat(GcPolicy.reason(C, new DiskStats.Usage(81, 90, 0), 100))
                .contains("disk usage of 81 is over gc threshold of 80");
        assertThat(GcPolicy.reason(C, new DiskStats.Usage(10, 70.5, 0), 100))
                .contains("inode usage of 70.50 is over gc threshold of 70");
        assertThat(GcPolicy.reason(C, new DiskStats.Usage(10, 10, 0), 51))
                .contains("number of allocations (51) is over the limit (50)");
        assertThat(GcPolicy.reason(C, new DiskStats.Usage(80, 70, 0), 50)).isEmpty();
    }

    @Test
    void makeRoom_keepsNewAllocsUnderMax() {
        assertThat(GcPolicy.makeRoomReason(C, 48, 3)).contains("new allocations and over max (50)");
        assertThat(GcPolicy.makeRoomReason(C, 47, 3)).isEmpty();
    }

    @Test
    void realDiskStats_arePercentages() {
        DiskStats.Usage u = DiskStats.of(Path.of("/tmp")).usage();
        assertThat(u.diskPercent()).isBetween(0.0, 100.0);
        assertThat(u.inodePercent()).isGreaterThan(0.0).isLessThan(100.0);
        assertThat(u.freeBytes()).isPositive();
    }
}
