package dev.glimpse.registry.objectstore;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;

/** An object store in a directory of this host: {@code <root>/<key>}, each object written atomically. */
public final class FileObjectStore implements ObjectStore {
    private final Path root;

    public FileObjectStore(Path root) {
        try {
            this.root = Files.createDirectories(root).toRealPath();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create object store directory " + root, e);
        }
    }

    @Override
    public StoreUri put(String key, byte[] content) {
        Path target = pathOf(key);
        try {
            Files.createDirectories(target.getParent());
            Path tmp = Files.createTempFile(target.getParent(), ".put-", ".part");
            try {
                Files.write(tmp, content);
                try {
                    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
                }
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + target + ": " + e.getMessage(), e);
        }
        return uriOf(key);
    }

    @Override
    public Optional<byte[]> get(String key) {
        try {
            return Optional.of(Files.readAllBytes(pathOf(key)));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + pathOf(key) + ": " + e.getMessage(), e);
        }
    }

    @Override
    public Optional<InputStream> open(String key) {
        try {
            return Optional.of(Files.newInputStream(pathOf(key)));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + pathOf(key) + ": " + e.getMessage(), e);
        }
    }

    @Override
    public boolean exists(String key) {
        return Files.isRegularFile(pathOf(key));
    }

    @Override
    public StoreUri uriOf(String key) {
        return new StoreUri.LocalFile(pathOf(key));
    }

    @Override
    public String describe() {
        return root.toUri().toString();
    }

    @Override
    public void close() {
    }

    private Path pathOf(String key) {
        Path p = root.resolve(ObjectStore.checkKey(key)).normalize();
        if (!p.startsWith(root)) {
            throw new IllegalArgumentException("object key '" + key + "' leaves " + root);
        }
        return p;
    }
}
