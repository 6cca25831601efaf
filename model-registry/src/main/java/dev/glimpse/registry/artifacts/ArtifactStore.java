package dev.glimpse.registry.artifacts;

import dev.glimpse.registry.objectstore.ObjectStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Content-addressed artifact store on the local filesystem: an artifact lives at
 * {@code <root>/<first 2 hex>/<sha256>.<ext>}, so storing the same bytes twice (a re-run after a crash) yields
 * the same id and one file. The store is bounded by total size and by age; the least recently stored artifacts
 * are evicted first. Callers name artifacts only by {@link ArtifactId}; {@link #open} also refuses anything that
 * resolves outside the root or through a symbolic link.
 * <p>With a shared {@link ObjectStore} (an S3 bucket) every artifact is also put there as
 * {@code artifacts/<sha256>.<ext>}, and an artifact absent here is fetched from it, checked against the sha256 its id
 * names, and kept here: the local directory is then a bounded cache, so a console on one host serves the artifacts
 * explain workers on other hosts produced.
 */
public final class ArtifactStore {
    private static final Logger LOG = LoggerFactory.getLogger(ArtifactStore.class);

    /** Bounds of the store; artifacts older than {@code maxAge} or beyond {@code maxBytes} are deleted. */
    public record Limits(long maxBytes, Duration maxAge) {
        public Limits {
            if (maxBytes < 1) {
                throw new IllegalArgumentException("artifact store max bytes must be >= 1, got " + maxBytes);
            }
            if (maxAge == null || maxAge.isNegative() || maxAge.isZero()) {
                throw new IllegalArgumentException("artifact store max age must be positive, got " + maxAge);
            }
        }

        public static Limits defaults() {
            return new Limits(1L << 30, Duration.ofDays(7));
        }
    }

    private record Entry(long size, long storedAtMs) {
    }

    private final Path root;
    private final Limits limits;
    private final Clock clock;
    /** id → entry in store order (oldest first); rebuilt from disk at start. */
    private final LinkedHashMap<String, Entry> index = new LinkedHashMap<>();
    private long totalBytes;
    private long evicted;
    private final ObjectStore shared;

    public ArtifactStore(Path root, Limits limits) {
        this(root, limits, Clock.systemUTC(), null);
    }

    /** @param shared the object store every host reads artifacts from, or null when they stay on this host */
    public ArtifactStore(Path root, Limits limits, ObjectStore shared) {
        this(root, limits, Clock.systemUTC(), shared);
    }

    public ArtifactStore(Path root, Limits limits, Clock clock) {
        this(root, limits, clock, null);
    }

    public ArtifactStore(Path root, Limits limits, Clock clock, ObjectStore shared) {
        this.shared = shared;
        this.limits = limits;
        this.clock = clock;
        try {
            Files.createDirectories(root);
            this.root = root.toRealPath();
            Files.createDirectories(this.root.resolve("tmp"));
            scan();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open artifact store at " + root + ": " + e.getMessage(), e);
        }
    }

    public Path root() {
        return root;
    }

    /**
     * Stores the bytes (no-op if already present, but refreshes its age) and returns their id; with a shared
     * store, a new artifact is put there too before this returns (outside this store's lock).
     */
    public ArtifactId put(byte[] content, String extension) {
        ArtifactId id = new ArtifactId(sha256(content), extension);
        boolean isNew = putLocal(id, content);
        if (shared != null && isNew) {
            shared.put(sharedKey(id), content);
        }
        return id;
    }

    /** Keeps the bytes here; true when they were not here before. */
    private synchronized boolean putLocal(ArtifactId id, byte[] content) {
        Path target = pathOf(id);
        boolean isNew = !Files.exists(target, LinkOption.NOFOLLOW_LINKS);
        try {
            if (!Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                Files.createDirectories(target.getParent());
                Path tmp = Files.createTempFile(root.resolve("tmp"), "put-", ".part");
                Files.write(tmp, content);
                try {
                    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
                } catch (AtomicMoveNotSupportedException | FileAlreadyExistsException e) {
                    Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
                }
            } else {
                Files.setLastModifiedTime(target, FileTime.fromMillis(clock.millis()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot store artifact " + id + ": " + e.getMessage(), e);
        }
        Entry old = index.remove(id.id());
        if (old != null) {
            totalBytes -= old.size();
        }
        index.put(id.id(), new Entry(content.length, clock.millis()));
        totalBytes += content.length;
        evict();
        return isNew;
    }

    /**
     * The file of a stored artifact, or empty when it is absent (never stored, or evicted). With a shared store,
     * an artifact absent here is fetched from there and verified against its id's sha256 first.
     */
    public Optional<Path> open(ArtifactId id) {
        Optional<Path> local = openLocal(id);
        if (local.isPresent() || shared == null) {
            return local;
        }
        Optional<byte[]> fetched = shared.get(sharedKey(id));
        if (fetched.isEmpty()) {
            return Optional.empty();
        }
        String actual = sha256(fetched.get());
        if (!actual.equals(id.sha256())) {
            LOG.error("artifact {} in {} has sha256 {}: refused", id, shared.describe(), actual);
            return Optional.empty();
        }
        putLocal(id, fetched.get());
        return openLocal(id);
    }

    private synchronized Optional<Path> openLocal(ArtifactId id) {
        Path p = pathOf(id);
        if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
            return Optional.empty();
        }
        if (Files.isSymbolicLink(p) || !Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
            throw new InvalidArtifactIdException(id.id(), "not a regular file in the store");
        }
        try {
            Path real = p.toRealPath();
            if (!real.startsWith(root)) {
                throw new InvalidArtifactIdException(id.id(), "resolves outside the store");
            }
            return Optional.of(real);
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /**
     * Where a browser may fetch an artifact this store does not hold: a presigned URL of the shared bucket's copy,
     * when the bucket hands such URLs out ({@code store.s3.presign.expiry}) and has the object. Empty otherwise: the
     * artifact is served from here ({@link #open(ArtifactId)}, which fetches and verifies a bucket's copy). A
     * redirected browser reads the bucket's bytes as they are: their sha256 is not checked on the way.
     */
    public Optional<URI> redirect(ArtifactId id) {
        if (shared == null || openLocal(id).isPresent()) {
            return Optional.empty();
        }
        Optional<URI> url = shared.presignedGet(sharedKey(id));
        return url.isPresent() && shared.exists(sharedKey(id)) ? url : Optional.empty();
    }

    /** The origin ({@code scheme://host[:port]}) of {@link #redirect} URLs, for a page's Content-Security-Policy. */
    public Optional<String> redirectOrigin() {
        return shared == null ? Optional.empty()
                : shared.presignedGet("artifacts/origin").map(u -> u.getScheme() + "://" + u.getRawAuthority());
    }

    /** Parses an untrusted id (e.g. from a URL) and opens it; see {@link ArtifactId#parse}. */
    public Optional<Path> open(String untrustedId) {
        return open(ArtifactId.parse(untrustedId));
    }

    public Optional<byte[]> read(ArtifactId id) {
        return open(id).map(p -> {
            try {
                return Files.readAllBytes(p);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    public synchronized long totalBytes() {
        return totalBytes;
    }

    public synchronized int count() {
        return index.size();
    }

    public synchronized long evictedCount() {
        return evicted;
    }

    /** Deletes artifacts older than the max age, then the oldest ones until the total fits the max size. */
    public synchronized void evict() {
        long cutoff = clock.millis() - limits.maxAge().toMillis();
        List<String> drop = new ArrayList<>();
        long bytes = totalBytes;
        for (Map.Entry<String, Entry> e : index.entrySet()) {
            if (e.getValue().storedAtMs() < cutoff || bytes > limits.maxBytes()) {
                drop.add(e.getKey());
                bytes -= e.getValue().size();
            }
        }
        for (String id : drop) {
            Entry e = index.remove(id);
            totalBytes -= e.size();
            evicted++;
            try {
                Files.deleteIfExists(pathOf(ArtifactId.parse(id)));
            } catch (IOException ex) {
                // A file we cannot delete stays on disk but out of the index; the next scan finds it again.
            }
        }
    }

    /** Where the store is: this directory, and the shared store when there is one. */
    public String describe() {
        return root + (shared == null ? "" : " (cache of " + shared.describe() + ")");
    }

    private static String sharedKey(ArtifactId id) {
        return "artifacts/" + id.id();
    }

    private Path pathOf(ArtifactId id) {
        return root.resolve(id.sha256().substring(0, 2)).resolve(id.id());
    }

    private void scan() throws IOException {
        List<Map.Entry<String, Entry>> found = new ArrayList<>();
        try (Stream<Path> files = Files.walk(root, 2)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                String name = p.getFileName().toString();
                if (p.getParent().equals(root.resolve("tmp"))) {
                    Files.deleteIfExists(p); // half-written leftovers of a crash
                    continue;
                }
                BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                if (a.isRegularFile() && name.matches("[0-9a-f]{64}\\.[a-z]+")
                        && p.getParent().getFileName().toString().equals(name.substring(0, 2))) {
                    try {
                        ArtifactId.parse(name);
                        found.add(Map.entry(name, new Entry(a.size(), a.lastModifiedTime().toMillis())));
                    } catch (InvalidArtifactIdException ignored) {
                        // not ours
                    }
                }
            }
        }
        found.sort(Comparator.comparingLong(e -> e.getValue().storedAtMs()));
        for (Map.Entry<String, Entry> e : found) {
            index.put(e.getKey(), e.getValue());
            totalBytes += e.getValue().size();
        }
        evict();
    }

    static String sha256(byte[] content) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every Java platform", e);
        }
    }
}
