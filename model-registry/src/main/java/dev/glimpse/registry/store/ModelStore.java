package dev.glimpse.registry.store;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.glimpse.registry.objectstore.ObjectStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * File-system model store: {@code <root>/<name>/<version>/model.onnx} + {@code model.json}.
 * A version appears atomically (written into a temporary directory, then renamed into place), version ids are
 * {@code v1, v2, ...} and strictly increasing per name, and every read of the model bytes verifies the sha256
 * recorded in {@code model.json}. Names and versions are validated so no path can leave the root.
 * With an {@link ObjectStore} (an S3 bucket), every version is also put there as
 * {@code models/<name>/<version>/model.onnx} + {@code model.json}, and {@link #storeUri} names that copy: the
 * URI announced on {@code models}, which workers on other hosts download and verify. The directory stays the
 * writer's own record (states, serving, pinned); readers on other hosts need only the bucket.
 */
public final class ModelStore {
    private final Path root;
    private final ModelStoreLayout layout;
    private final ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private final ObjectStore shared;

    public ModelStore(Path root) {
        this(root, null);
    }

    /** @param shared where versions are published for other hosts, or null when readers use {@code root} itself */
    public ModelStore(Path root, ObjectStore shared) {
        this.shared = shared;
        try {
            this.root = Files.createDirectories(root).toRealPath();
            this.layout = new ModelStoreLayout(this.root);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create model store root " + root, e);
        }
    }

    public Path root() {
        return root;
    }

    /** Stores a new version of {@code name} from the ONNX file {@code onnx}; returns it with its assigned version. */
    public synchronized StoredModel publish(String name, Path onnx, ModelManifest draft) {
        try {
            return publish(name, Files.readAllBytes(onnx), draft);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read model file " + onnx, e);
        }
    }

    public synchronized StoredModel publish(String name, byte[] onnxBytes, ModelManifest draft) {
        Path modelDir = layout.nameDir(name);
        try {
            Files.createDirectories(modelDir);
            Path tmp = modelDir.resolve(".tmp-" + UUID.randomUUID());
            Files.createDirectory(tmp);
            try {
                Files.write(tmp.resolve(ModelStoreLayout.MODEL_FILE), onnxBytes);
                String sha = Sha256.of(onnxBytes);
                long created = System.currentTimeMillis();
                // Another process may take a version between our scan and our rename: then try the next one.
                for (long next = lastVersionNumber(name) + 1; ; next++) {
                    String version = "v" + next;
                    ModelManifest manifest = draft.stored(name, version, sha, onnxBytes.length, created);
                    writeAtomically(tmp.resolve(ModelStoreLayout.MANIFEST_FILE), json.writeValueAsBytes(manifest));
                    Path target = modelDir.resolve(version);
                    try {
                        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
                        StoredModel stored = new StoredModel(manifest, target.resolve(ModelStoreLayout.MODEL_FILE));
                        share(stored, onnxBytes);
                        return stored;
                    } catch (FileSystemException taken) {
                        if (!Files.exists(target)) {
                            throw taken;
                        }
                        // version taken concurrently by another writer: try the next number
                    }
                }
            } finally {
                deleteRecursively(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot store model " + name, e);
        }
    }

    /**
     * The URI announced for a version: its copy in the shared object store (put there now if it is missing, e.g. a
     * version stored before the bucket was configured), else its {@code file:} URI in this store.
     */
    public String storeUri(StoredModel model) {
        if (shared == null) {
            return model.modelPath().toAbsolutePath().toUri().toString();
        }
        String key = sharedKey(model.name(), model.version(), ModelStoreLayout.MODEL_FILE);
        if (!shared.exists(key)) {
            share(model, readVerified(model.name(), model.version()));
        }
        return shared.uriOf(key).toString();
    }

    private void share(StoredModel model, byte[] onnxBytes) {
        if (shared == null) {
            return;
        }
        try {
            shared.put(sharedKey(model.name(), model.version(), ModelStoreLayout.MODEL_FILE), onnxBytes);
            shared.put(sharedKey(model.name(), model.version(), ModelStoreLayout.MANIFEST_FILE),
                    json.writeValueAsBytes(model.manifest()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot serialise the manifest of " + model.name() + "/" + model.version(), e);
        }
    }

    private static String sharedKey(String name, String version, String file) {
        return "models/" + ModelStoreLayout.validName(name) + "/" + ModelStoreLayout.validVersion(version) + "/" + file;
    }

    /** The manifest and model path of a version, without reading the model bytes. */
    public StoredModel get(String name, String version) {
        Path dir = layout.versionDir(name, version);
        Path manifestFile = dir.resolve(ModelStoreLayout.MANIFEST_FILE);
        if (!Files.isRegularFile(manifestFile)) {
            throw new ModelStoreException("no model " + name + " version " + version + " in " + root);
        }
        try {
            ModelManifest manifest = json.readValue(manifestFile.toFile(), ModelManifest.class);
            if (!name.equals(manifest.name()) || !version.equals(manifest.version())) {
                throw new ModelStoreException(manifestFile + " names " + manifest.name() + "/" + manifest.version()
                        + ", expected " + name + "/" + version);
            }
            return new StoredModel(manifest, dir.resolve(ModelStoreLayout.MODEL_FILE));
        } catch (IOException e) {
            throw new ModelStoreException("malformed manifest " + manifestFile + ": " + e.getMessage(), e);
        }
    }

    /** The model bytes, verified against the recorded sha256. */
    public byte[] readVerified(String name, String version) {
        StoredModel model = get(name, version);
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(model.modelPath());
        } catch (IOException e) {
            throw new ModelStoreException("cannot read " + model.modelPath() + ": " + e.getMessage(), e);
        }
        String actual = Sha256.of(bytes);
        if (!actual.equals(model.manifest().sha256())) {
            throw new ModelStoreException("sha256 mismatch for " + name + "/" + version + ": model.json says "
                    + model.manifest().sha256() + ", file has " + actual);
        }
        return bytes;
    }

    /** Replaces the state (and reason) in {@code model.json}, atomically. */
    public synchronized StoredModel updateState(String name, String version, ModelState state, String reason) {
        StoredModel model = get(name, version);
        ModelManifest updated = model.manifest().withState(state, reason);
        try {
            writeAtomically(layout.versionDir(name, version).resolve(ModelStoreLayout.MANIFEST_FILE), json.writeValueAsBytes(updated));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot update state of " + name + "/" + version, e);
        }
        return new StoredModel(updated, model.modelPath());
    }

    /** Versions of {@code name}, oldest first. */
    public List<StoredModel> versions(String name) {
        List<StoredModel> out = new ArrayList<>();
        for (String version : versionIds(name)) {
            out.add(get(name, version));
        }
        return out;
    }

    public List<String> names() {
        try (Stream<Path> dirs = Files.list(root)) {
            return dirs.filter(Files::isDirectory).map(p -> p.getFileName().toString())
                    .filter(ModelStoreLayout::isName).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + root, e);
        }
    }

    /** Records which version serves now (written on every promotion and rollback). */
    public synchronized void setServing(String name, String version) {
        get(name, version); // must exist
        try {
            writeAtomically(layout.nameDir(name).resolve(ModelStoreLayout.SERVING_FILE), version.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot record serving version " + name + "/" + version, e);
        }
    }

    /** The version recorded by {@link #setServing}, else the newest version in state PROMOTED. */
    public Optional<StoredModel> serving(String name) {
        Path file = layout.nameDir(name).resolve(ModelStoreLayout.SERVING_FILE);
        try {
            if (Files.isRegularFile(file)) {
                return Optional.of(get(name, ModelStoreLayout.validVersion(Files.readString(file, StandardCharsets.UTF_8).trim())));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        return currentPromoted(name);
    }

    /** The newest version in state PROMOTED, if any. */
    public Optional<StoredModel> currentPromoted(String name) {
        List<StoredModel> all = versions(name);
        for (int i = all.size() - 1; i >= 0; i--) {
            if (all.get(i).manifest().state() == ModelState.PROMOTED) {
                return Optional.of(all.get(i));
            }
        }
        return Optional.empty();
    }

    /** Pins {@code version}: automatic promotion and rollback leave the model alone until unpinned. */
    public synchronized void pin(String name, String version) {
        get(name, version); // must exist
        try {
            writeAtomically(layout.nameDir(name).resolve(ModelStoreLayout.PIN_FILE), version.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot pin " + name + "/" + version, e);
        }
    }

    public synchronized void unpin(String name) {
        try {
            Files.deleteIfExists(layout.nameDir(name).resolve(ModelStoreLayout.PIN_FILE));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot unpin " + name, e);
        }
    }

    public Optional<String> pinned(String name) {
        Path pin = layout.nameDir(name).resolve(ModelStoreLayout.PIN_FILE);
        try {
            return Files.isRegularFile(pin)
                    ? Optional.of(ModelStoreLayout.validVersion(Files.readString(pin, StandardCharsets.UTF_8).trim()))
                    : Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + pin, e);
        }
    }

    private List<String> versionIds(String name) {
        Path dir = layout.nameDir(name);
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> dirs = Files.list(dir)) {
            return dirs.map(p -> p.getFileName().toString())
                    .filter(ModelStoreLayout::isVersionId)
                    .filter(v -> Files.isRegularFile(dir.resolve(v).resolve(ModelStoreLayout.MANIFEST_FILE)))
                    .sorted(Comparator.comparingLong(ModelStoreLayout::versionNumber)).toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
    }

    private long lastVersionNumber(String name) throws IOException {
        Path dir = layout.nameDir(name);
        try (Stream<Path> dirs = Files.list(dir)) {
            return dirs.map(p -> p.getFileName().toString()).filter(ModelStoreLayout::isVersionId)
                    .mapToLong(ModelStoreLayout::versionNumber).max().orElse(0);
        }
    }

    private static void writeAtomically(Path target, byte[] bytes) throws IOException {
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp-" + UUID.randomUUID());
        try {
            Files.write(tmp, bytes);
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
