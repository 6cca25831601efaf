package dev.glimpse.registry.artifacts;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.security.MessageDigest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ArtifactStoreTest {

    @TempDir
    Path dir;

    private static final class MutableClock extends Clock {
        long now = 1_700_000_000_000L;

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(now);
        }
    }

    @Test
    void shouldNameArtifactsByTheSha256OfTheirContent() throws Exception {
        // Given a store
        ArtifactStore store = new ArtifactStore(dir.resolve("a"), ArtifactStore.Limits.defaults());
        byte[] content = "heatmap".getBytes(StandardCharsets.UTF_8);

        // When the same bytes are stored twice
        ArtifactId first = store.put(content, "png");
        ArtifactId second = store.put(content, "png");

        // Then the id is the independent sha256 and there is one file with those bytes
        String expected = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        assertEquals(expected + ".png", first.id());
        assertEquals(first, second);
        assertEquals(1, store.count());
        assertArrayEquals(content, store.read(first).orElseThrow());
        assertTrue(Files.isRegularFile(dir.resolve("a").resolve(expected.substring(0, 2)).resolve(expected + ".png")));
        assertEquals(first, ArtifactId.fromUri(first.uri()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"../../etc/passwd", "/etc/passwd", "%2e%2e%2f%2e%2e%2fetc%2fpasswd", "..%2f..%2fetc",
            "..\\..\\windows", "ab/abcdef.png", "", ".png", "tmp", "x.png",
            "ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789.png",
            "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.exe",
            "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.png/../../x",
            "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.png\u0000"})
    void shouldRejectIdsThatAreNotADigestAndKnownExtension(String attempt) {
        ArtifactStore store = new ArtifactStore(dir.resolve("a"), ArtifactStore.Limits.defaults());
        assertThrows(InvalidArtifactIdException.class, () -> store.open(attempt));
    }

    @Test
    void shouldRefuseToServeASymbolicLinkPlantedInTheStore() throws Exception {
        // Given a secret outside the store and a link to it under a well-formed id
        ArtifactStore store = new ArtifactStore(dir.resolve("a"), ArtifactStore.Limits.defaults());
        Path secret = Files.writeString(dir.resolve("secret.txt"), "secret");
        String hex = "ab".repeat(32);
        Files.createDirectories(store.root().resolve("ab"));
        Files.createSymbolicLink(store.root().resolve("ab").resolve(hex + ".png"), secret);

        // When it is opened by that id, Then it is rejected
        assertThrows(InvalidArtifactIdException.class, () -> store.open(hex + ".png"));
    }

    @Test
    void shouldReturnEmptyForAWellFormedIdThatWasNeverStored() {
        ArtifactStore store = new ArtifactStore(dir.resolve("a"), ArtifactStore.Limits.defaults());
        assertTrue(store.open("cd".repeat(32) + ".npy").isEmpty());
    }

    @Test
    void shouldEvictOldestArtifactsWhenOverTheSizeBound() {
        // Given a store bounded to 250 bytes
        MutableClock clock = new MutableClock();
        ArtifactStore store = new ArtifactStore(dir.resolve("a"), new ArtifactStore.Limits(250, Duration.ofDays(1)), clock);

        // When three 100-byte artifacts are stored one after another
        ArtifactId a = store.put(bytes(1, 100), "npy");
        clock.now += 10;
        ArtifactId b = store.put(bytes(2, 100), "npy");
        clock.now += 10;
        ArtifactId c = store.put(bytes(3, 100), "npy");

        // Then the oldest is gone and the total is within the bound
        assertTrue(store.open(a).isEmpty());
        assertTrue(store.open(b).isPresent());
        assertTrue(store.open(c).isPresent());
        assertEquals(200, store.totalBytes());
        assertEquals(1, store.evictedCount());
    }

    @Test
    void shouldEvictArtifactsOlderThanTheAgeBound() {
        MutableClock clock = new MutableClock();
        ArtifactStore store = new ArtifactStore(dir.resolve("a"), new ArtifactStore.Limits(1 << 20, Duration.ofMinutes(5)), clock);
        ArtifactId old = store.put(bytes(1, 10), "png");
        clock.now += Duration.ofMinutes(6).toMillis();
        ArtifactId fresh = store.put(bytes(2, 10), "png");
        assertTrue(store.open(old).isEmpty());
        assertTrue(store.open(fresh).isPresent());
    }

    @Test
    void shouldRebuildItsIndexFromDiskAfterARestart() {
        ArtifactStore store = new ArtifactStore(dir.resolve("a"), ArtifactStore.Limits.defaults());
        ArtifactId id = store.put(bytes(7, 64), "png");
        ArtifactStore reopened = new ArtifactStore(dir.resolve("a"), ArtifactStore.Limits.defaults());
        assertEquals(1, reopened.count());
        assertEquals(64, reopened.totalBytes());
        assertFalse(reopened.open(id).isEmpty());
    }

    private static byte[] bytes(int seed, int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (seed * 31 + i);
        }
        return b;
    }
}
