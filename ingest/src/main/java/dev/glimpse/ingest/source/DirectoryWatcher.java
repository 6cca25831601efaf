package dev.glimpse.ingest.source;

import dev.glimpse.contracts.events.CommittedFile;
import dev.glimpse.contracts.events.IngestPosition;
import dev.glimpse.ingest.ImageSubmission;
import dev.glimpse.ingest.IngestOutcome;
import dev.glimpse.ingest.Ingestor;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ingests every file that appears in a directory, then moves it to {@code done/} (published) or {@code rejected/}
 * (dead-lettered, with a {@code .reason} text file beside it). A file is taken only once its size and modification
 * time are unchanged between two scans, so half-copied files are not read. Polling rather than a WatchService: it
 * also works on network and container-mounted folders.
 *
 * <p>Exactly once across crashes: each scan sends its files in one Kafka transaction with the directory's position
 * ({@link SourceProgress}), whose {@code unmoved_files} name the files committed but not yet moved. A file's image id
 * is {@link #imageId deterministic} (its name and content), so a file that a crash left in the directory after its
 * transaction committed is recognised by the next start and moved, not sent again; one whose transaction never
 * committed is sent again under the same id, and only that send becomes visible to read_committed consumers.
 */
public final class DirectoryWatcher implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DirectoryWatcher.class);
    /** At most this many files per transaction (a scan of a full directory commits several times). */
    private static final int MAX_FILES_PER_TRANSACTION = 100;

    private final Path dir;
    private final Path done;
    private final Path rejected;
    private final Duration interval;
    private final Ingestor ingestor;
    private final SourceProgress progress;
    private final long maxBytes;
    private final Map<Path, String> lastSeen = new HashMap<>();
    /** Committed but not yet moved, by file name. */
    private final Map<String, CommittedFile> unmoved = new HashMap<>();
    private IngestPosition position;
    private ScheduledExecutorService scheduler;
    private final AtomicInteger scheduledScans = new AtomicInteger();
    private volatile boolean fenced;

    /**
     * @param ingestor sends through the transactional producer of {@code progress}
     * @param progress the directory's position in {@code ingest-state}, source key {@link #sourceKey}
     */
    public DirectoryWatcher(Path dir, Duration interval, Ingestor ingestor, SourceProgress progress) {
        this.dir = dir.toAbsolutePath().normalize();
        this.done = this.dir.resolve("done");
        this.rejected = this.dir.resolve("rejected");
        this.interval = interval;
        this.ingestor = ingestor;
        this.progress = progress;
        this.maxBytes = ingestor.validator().maxBytes();
    }

    /** The key of a directory's position in {@code ingest-state}: {@code directory:<absolute path>}. */
    public static String sourceKey(Path dir) {
        return "directory:" + dir.toAbsolutePath().normalize();
    }

    /**
     * The image id of a file: {@code dir:} and the first 40 hex digits of the SHA-256 of its name, a NUL byte and its
     * content. The same file gets the same id after a restart; two files differing in name or content do not.
     */
    public static String imageId(String fileName, byte[] content) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(fileName.getBytes(StandardCharsets.UTF_8));
            sha.update((byte) 0);
            sha.update(content);
            return "dir:" + HexFormat.of().formatHex(sha.digest()).substring(0, 40);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    public Path dir() {
        return dir;
    }

    /** Files published and dead-lettered so far by this directory, the runs before a restart included. */
    public synchronized IngestPosition position() {
        return position;
    }

    public synchronized void start() {
        try {
            Files.createDirectories(done);
            Files.createDirectories(rejected);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + done + " and " + rejected, e);
        }
        resume();
        scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "glimpse-ingest-watch");
            t.setDaemon(true);
            return t;
        });
        scheduler.scheduleWithFixedDelay(this::scanSafely, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
        log.info("watching {} every {} ms", dir, interval.toMillis());
    }

    /** Reads the last committed position: its counts go on, its unmoved files are moved when next seen. */
    private void resume() {
        position = progress.stored().orElseGet(() -> IngestPosition.newBuilder().setSource(progress.source()).build());
        unmoved.putAll(position.getUnmovedFilesMap());
        if (!unmoved.isEmpty()) {
            log.info("{}: {} file(s) were committed by an earlier start but not moved; they are moved, not sent again",
                    dir, unmoved.size());
        }
    }

    /** How many scheduled scans have run (done or failed): a caller driving scans itself waits for the first. */
    public int scheduledScans() {
        return scheduledScans.get();
    }

    private void scanSafely() {
        try {
            scanOnce();
        } catch (ProducerFencedException e) {
            fenced = true;
            log.warn("watching {} stopped: another ingest took over this directory (same transactional id)", dir);
            scheduler.shutdown();
        } catch (RuntimeException e) {
            log.warn("scan of {} failed; retrying in {} ms", dir, interval.toMillis(), e);
        } finally {
            scheduledScans.incrementAndGet();
        }
    }

    /** One scan: ingests the files that were already there, unchanged, at the previous scan. Returns how many. */
    public synchronized int scanOnce() {
        if (fenced) {
            throw new IllegalStateException("another ingest took over " + dir);
        }
        if (position == null) {
            resume();
        }
        List<Path> ready = new ArrayList<>();
        Set<Path> present = new HashSet<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path file : files) {
                String name = file.getFileName().toString();
                if (name.startsWith(".") || name.endsWith(".tmp") || name.endsWith(".part")) {
                    continue;
                }
                BasicFileAttributes attributes;
                try {
                    attributes = Files.readAttributes(file, BasicFileAttributes.class);
                } catch (NoSuchFileException e) {
                    continue;
                }
                if (!attributes.isRegularFile()) {
                    continue;
                }
                present.add(file);
                String state = attributes.size() + "@" + attributes.lastModifiedTime().toMillis();
                if (state.equals(lastSeen.get(file))) {
                    ready.add(file);
                    lastSeen.remove(file);
                } else {
                    lastSeen.put(file, state);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
        lastSeen.keySet().retainAll(present);
        // a committed file that is gone was moved (or removed) before the position could say so
        unmoved.keySet().retainAll(present.stream().map(p -> p.getFileName().toString()).toList());
        ready.sort(null);
        int processed = 0;
        for (int from = 0; from < ready.size(); from += MAX_FILES_PER_TRANSACTION) {
            processed += publish(ready.subList(from, Math.min(ready.size(), from + MAX_FILES_PER_TRANSACTION)));
        }
        return processed;
    }

    /** A file whose image (or dead letter) is sent. */
    private record SentFile(Path file, CommittedFile committed) {
    }

    /** Sends the files in one transaction with the position, commits, then moves them. Returns how many. */
    private int publish(List<Path> files) {
        List<SentFile> committedBefore = new ArrayList<>();
        List<SentFile> sent = new ArrayList<>();
        long published = position.getPublished();
        long rejectedCount = position.getRejected();
        progress.beginTransaction();
        try {
            for (Path file : files) {
                byte[] data = read(file);
                if (data == null) {
                    continue;
                }
                String name = file.getFileName().toString();
                String id = imageId(name, data);
                CommittedFile earlier = unmoved.get(name);
                if (earlier != null && earlier.getImageId().equals(id)) {
                    committedBefore.add(new SentFile(file, earlier));
                    continue;
                }
                IngestOutcome outcome = ingestor.ingest(new ImageSubmission(data, "directory", "directory:" + dir, null, id,
                        null, Map.of("filename", name)));
                if (outcome instanceof IngestOutcome.Rejected r) {
                    sent.add(new SentFile(file, committed(id, r.reason().code() + ": " + r.detail())));
                    rejectedCount++;
                } else {
                    sent.add(new SentFile(file, committed(id, "")));
                    published++;
                }
            }
            Map<String, CommittedFile> pending = new HashMap<>(unmoved);
            sent.forEach(f -> pending.put(f.file().getFileName().toString(), f.committed()));
            IngestPosition next = position.toBuilder().setNextIndex(position.getNextIndex() + sent.size())
                    .setPublished(published).setRejected(rejectedCount).clearUnmovedFiles().putAllUnmovedFiles(pending).build();
            progress.finish(next);
            position = next;
            unmoved.putAll(pending);
        } catch (ProducerFencedException e) {
            throw e;
        } catch (KafkaException e) {
            progress.abort(); // nothing of this scan became visible; its files stay and are sent again next time
            throw e;
        }
        for (SentFile f : committedBefore) {
            moveOut(f);
        }
        for (SentFile f : sent) {
            moveOut(f);
        }
        return committedBefore.size() + sent.size();
    }

    private static CommittedFile committed(String imageId, String rejection) {
        return CommittedFile.newBuilder().setImageId(imageId).setRejection(rejection).build();
    }

    private byte[] read(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            // Never read more than the limit allows: a huge file is refused from its first bytes.
            return in.readNBytes((int) Math.min(Integer.MAX_VALUE - 16, maxBytes + 1));
        } catch (IOException e) {
            log.warn("cannot read {}; leaving it in place", file, e);
            return null;
        }
    }

    /** Moves a committed file to done/ or rejected/ (with its reason); it stays unmoved (and not resent) on failure. */
    private void moveOut(SentFile f) {
        try {
            String rejection = f.committed().getRejection();
            if (rejection.isEmpty()) {
                moveInto(f.file(), done);
            } else {
                Path target = moveInto(f.file(), rejected);
                Files.writeString(target.resolveSibling(target.getFileName() + ".reason"), rejection + "\n",
                        StandardCharsets.UTF_8);
            }
            unmoved.remove(f.file().getFileName().toString());
        } catch (IOException e) {
            log.warn("ingested {} but cannot move it; it stays and will be recognised (not sent again)", f.file(), e);
        }
    }

    private static Path moveInto(Path file, Path folder) throws IOException {
        String name = file.getFileName().toString();
        Path target = folder.resolve(name);
        for (int i = 1; Files.exists(target); i++) {
            target = folder.resolve(name + "." + i);
        }
        return Files.move(file, target, StandardCopyOption.ATOMIC_MOVE);
    }

    @Override
    public synchronized void close() {
        if (scheduler != null) {
            scheduler.shutdownNow();
            try {
                scheduler.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
