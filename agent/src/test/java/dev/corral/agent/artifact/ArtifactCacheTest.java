package dev.corral.agent.artifact;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ArtifactCacheTest {
    @TempDir
    Path tmp;

    private static ArtifactCache.Loaded write(Path t, String content) throws java.io.IOException {
        Files.writeString(t, content);
        return new ArtifactCache.Loaded(false, ArtifactCache.sha256(content), content.length(), null, null);
    }

    @Test
    void get_concurrentCallersForOneKey_loadOnce() throws Exception {
        ArtifactCache cache = new ArtifactCache(tmp.resolve("c"), 1 << 20);
        AtomicInteger loads = new AtomicInteger();
        CountDownLatch leaderLoading = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        List<Throwable> errors = new CopyOnWriteArrayList<>();
        List<Boolean> hits = new CopyOnWriteArrayList<>();
        ArtifactCache.Loader loader = (t, v) -> {
            loads.incrementAndGet();
            leaderLoading.countDown();
            release.await(20, TimeUnit.SECONDS);
            return write(t, "content");
        };
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            threads.add(Thread.ofVirtual().start(() -> {
                try (ArtifactCache.Lease l = cache.get("k", false, loader)) {
                    hits.add(l.hit);
                    assertThat(Files.readString(l.blob)).isEqualTo("content");
                } catch (Throwable e) {
                    errors.add(e);
                }
            }));
        }
        assertThat(leaderLoading.await(20, TimeUnit.SECONDS)).isTrue();
        // Release the leader only once the four others are parked on its download.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (cache.waitingForLeader() < 4 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertThat(cache.waitingForLeader()).isEqualTo(4);
        release.countDown();
        for (Thread t : threads) {
            t.join();
        }
        assertThat(errors).isEmpty();
        assertThat(loads.get()).isEqualTo(1);
        assertThat(hits).containsExactlyInAnyOrder(false, true, true, true, true);
    }

    @Test
    void get_leaderFails_followerLoadsItself() throws Exception {
        ArtifactCache cache = new ArtifactCache(tmp.resolve("c"), 1 << 20);
        AtomicInteger loads = new AtomicInteger();
        try {
            cache.get("k", false, (t, v) -> {
                loads.incrementAndGet();
                throw new DownloadException("boom");
            });
        } catch (DownloadException expected) {
            assertThat(expected.reason()).isEqualTo("boom");
        }
        try (ArtifactCache.Lease l = cache.get("k", false, (t, v) -> {
            loads.incrementAndGet();
            return write(t, "second");
        })) {
            assertThat(l.hit).isFalse();
        }
        assertThat(loads.get()).isEqualTo(2);
        try (var s = Files.list(tmp.resolve("c/tmp"))) {
            assertThat(s).isEmpty();
        }
    }

    @Test
    void evict_skipsPinnedBlobs() throws Exception {
        ArtifactCache cache = new ArtifactCache(tmp.resolve("c"), 10);
        try (ArtifactCache.Lease pinned = cache.get("a", false, (t, v) -> write(t, "aaaaaaaa"))) {
            try (ArtifactCache.Lease other = cache.get("b", false, (t, v) -> write(t, "bbbbbbbb"))) {
                assertThat(other.blob).exists();
            }
            cache.evict();
            assertThat(pinned.blob).exists();
        }
        cache.evict();
        assertThat(cache.size()).isLessThanOrEqualTo(10);
    }
}
