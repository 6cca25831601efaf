package dev.glimpse.registry.store;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where a model store keeps things: {@code <root>/<name>/<version>/model.onnx} and {@code model.json}, plus the
 * per-name {@code serving} and {@code pinned} files. The only class that knows the layout; names and versions are
 * validated so that no path leaves the root, whoever supplies them (an operator, an event from the stream).
 */
public final class ModelStoreLayout {
    public static final String MODEL_FILE = "model.onnx";
    public static final String MANIFEST_FILE = "model.json";
    static final String PIN_FILE = "pinned";
    static final String SERVING_FILE = "serving";
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
    private static final Pattern VERSION = Pattern.compile("v([0-9]{1,18})");

    private final Path root;

    public ModelStoreLayout(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    public Path root() {
        return root;
    }

    public Path nameDir(String name) {
        return inside(root.resolve(validName(name)));
    }

    public Path versionDir(String name, String version) {
        return inside(nameDir(name).resolve(validVersion(version)));
    }

    public Path modelFile(String name, String version) {
        return versionDir(name, version).resolve(MODEL_FILE);
    }

    public Path manifestFile(String name, String version) {
        return versionDir(name, version).resolve(MANIFEST_FILE);
    }

    /** The model file of a version named by an untrusted source: empty when the names are not store names or it is absent. */
    public Optional<Path> existingModelFile(String name, String version) {
        return isStoreName(name, version) ? existing(modelFile(name, version)) : Optional.empty();
    }

    /** The manifest of a version named by an untrusted source: empty when the names are not store names or it is absent. */
    public Optional<Path> existingManifest(String name, String version) {
        return isStoreName(name, version) ? existing(manifestFile(name, version)) : Optional.empty();
    }

    public static boolean isVersionId(String version) {
        return version != null && VERSION.matcher(version).matches();
    }

    /** The number of a version id: 3 for {@code v3}. */
    public static long versionNumber(String version) {
        Matcher m = VERSION.matcher(validVersion(version));
        m.matches();
        return Long.parseLong(m.group(1));
    }

    /** Checks a model name; path separators, "..", and anything outside {@code [A-Za-z0-9._-]} are refused. */
    public static String validName(String name) {
        if (!isName(name)) {
            throw new IllegalArgumentException("invalid model name '" + name
                    + "': use 1-128 characters of [A-Za-z0-9._-], starting with a letter or digit, no '..'");
        }
        return name;
    }

    public static String validVersion(String version) {
        if (!isVersionId(version)) {
            throw new IllegalArgumentException("invalid model version '" + version + "': expected v<number>, e.g. v3");
        }
        return version;
    }

    public static boolean isName(String name) {
        return name != null && NAME.matcher(name).matches() && !name.contains("..");
    }

    private static boolean isStoreName(String name, String version) {
        return isName(name) && isVersionId(version);
    }

    private static Optional<Path> existing(Path file) {
        return Files.isRegularFile(file) ? Optional.of(file) : Optional.empty();
    }

    private Path inside(Path p) {
        Path normalized = p.normalize();
        if (!normalized.startsWith(root)) {
            throw new IllegalArgumentException("path " + p + " leaves the model store root " + root);
        }
        return normalized;
    }
}
