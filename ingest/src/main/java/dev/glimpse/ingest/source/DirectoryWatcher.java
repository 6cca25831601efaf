package dev.glimpse.ingest.source;

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
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ingests every file that appears in a directory, then moves it to {@code done/} (published) or
 * {@code rejected/} (dead-lettered, with a {@code .reason} text file beside it). A file is taken only once its
 * size and modification time are unchanged between two scans, so half-copied files are not read.
 * Polling rather than a WatchService: it also works on network and container-mounted folders.
 */
public final class DirectoryWatcher implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DirectoryWatcher.class);

    private final Path dir;
    private final Path done;
    private final Path rejected;
    private final Duration interval;
    private final Ingestor ingestor;
    private final long maxBytes;
    private final Map<Path, String> lastSeen = new HashMap<>();
    private ScheduledExecutorService scheduler;

    public DirectoryWatcher(Path dir, Duration interval, Ingestor ingestor) {
        this.dir = dir.toAbsolutePath().normalize();
        this.done = this.dir.resolve("done");
        this.rejected = this.dir.resolve("rejected");
        this.interval = interval;
        this.ingestor = ingestor;
        this.maxBytes = ingestor.validator().maxBytes();
    }

    public Path dir() {
        return dir;
    }

    public synchronized void start() {
        try {
            Files.createDirectories(done);
            Files.createDirectories(rejected);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + done + " and " + rejected, e);
        }
        scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "glimpse-ingest-watch");
            t.setDaemon(true);
            return t;
        });
        scheduler.scheduleWithFixedDelay(this::scanSafely, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
        log.info("watching {} every {} ms", dir, interval.toMillis());
    }

    private void scanSafely() {
        try {
            scanOnce();
        } catch (RuntimeException e) {
            log.warn("scan of {} failed; retrying in {} ms", dir, interval.toMillis(), e);
        }
    }

    /** One scan: ingests the files that were already there, unchanged, at the previous scan. Returns how many. */
    public synchronized int scanOnce() {
        int processed = 0;
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
                    process(file);
                    lastSeen.remove(file);
                    processed++;
                } else {
                    lastSeen.put(file, state);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
        lastSeen.keySet().retainAll(present);
        return processed;
    }

    private void process(Path file) {
        byte[] data;
        try (InputStream in = Files.newInputStream(file)) {
            // Never read more than the limit allows: a huge file is refused from its first bytes.
            data = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 16, maxBytes + 1));
        } catch (IOException e) {
            log.warn("cannot read {}; leaving it in place", file, e);
            return;
        }
        String name = file.getFileName().toString();
        IngestOutcome outcome = ingestor.ingest(new ImageSubmission(data, "directory", "directory:" + dir, null, null,
                null, Map.of("filename", name)));
        outcome.await();
        try {
            if (outcome instanceof IngestOutcome.Rejected r) {
                Path target = moveInto(file, rejected);
                Files.writeString(target.resolveSibling(target.getFileName() + ".reason"),
                        r.reason().code() + ": " + r.detail() + "\n", StandardCharsets.UTF_8);
            } else {
                moveInto(file, done);
            }
        } catch (IOException e) {
            log.warn("ingested {} but cannot move it; it may be ingested again", file, e);
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
