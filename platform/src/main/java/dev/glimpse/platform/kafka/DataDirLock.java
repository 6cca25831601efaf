package dev.glimpse.platform.kafka;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * One process's claim on an embedded cluster's data directory: an operating-system lock on {@code <dir>/glimpse.lock},
 * taken before anything in the directory is formatted or opened and held until the cluster stops. Kafka locks its log
 * directory only when the broker part of a node starts, after the node has opened its metadata log; without this claim
 * a second process on the same directory (a {@code tail --data-dir} beside a running demo) opened that log too and the
 * demo's broker halted on a corrupt metadata record.
 *
 * <p>The holder writes its bootstrap servers into the file ({@link #announce}), so a reader that finds the directory
 * taken can reach the running cluster instead ({@link DataDirInUseException#bootstrapServers()}).
 */
final class DataDirLock implements AutoCloseable {

    static final String FILE = "glimpse.lock";

    private final Path file;
    private final FileChannel channel;
    private final FileLock lock;

    private DataDirLock(Path file, FileChannel channel, FileLock lock) {
        this.file = file;
        this.channel = channel;
        this.lock = lock;
    }

    /** Claims {@code dir} (created if missing), or fails naming the directory and, when announced, its cluster. */
    static DataDirLock acquire(Path dir) {
        Path file = dir.resolve(FILE);
        FileChannel channel = null;
        try {
            Files.createDirectories(dir);
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            FileLock lock = tryLock(channel);
            if (lock == null) {
                channel.close();
                throw new DataDirInUseException(dir, announced(file));
            }
            channel.truncate(0);
            return new DataDirLock(file, channel, lock);
        } catch (IOException e) {
            closeQuietly(channel);
            throw new UncheckedIOException("cannot lock the Kafka data directory '" + dir + "': " + e.getMessage(), e);
        }
    }

    private static FileLock tryLock(FileChannel channel) throws IOException {
        try {
            return channel.tryLock();
        } catch (OverlappingFileLockException e) {
            return null; // this very process holds it: a second cluster on the same directory
        }
    }

    /** Records where the cluster on this directory serves clients, for other processes to read. */
    void announce(String bootstrapServers) {
        try {
            channel.truncate(0);
            channel.write(ByteBuffer.wrap((bootstrapServers + "\n").getBytes(StandardCharsets.UTF_8)), 0);
            channel.force(false);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write '" + file + "'", e);
        }
    }

    /** The bootstrap servers a holder announced in {@code file}, if any. */
    private static Optional<String> announced(Path file) {
        try {
            String text = Files.readString(file, StandardCharsets.UTF_8).strip();
            return text.isEmpty() ? Optional.empty() : Optional.of(text);
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    @Override
    public void close() {
        try {
            channel.truncate(0);
            lock.release();
        } catch (IOException e) {
            // the lock goes with the channel below
        } finally {
            closeQuietly(channel);
        }
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // nothing held any more
            }
        }
    }
}
