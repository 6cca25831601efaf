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
    private static final Pattern PLAIN_SEGMENT = Pattern.compile("[A-Za-z0-9._:+-]{1,128}");

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

    /**
     * The model file of a version named by an untrusted source (an event): empty when a name is not a plain path
     * segment or the file is absent. Reads accept any plain segment, not only store ids, so that a directory laid
     * out by hand ({@code <root>/tiny/1/model.onnx}) is found too.
     */
    public Optional<Path> existingModelFile(String name, String version) {
        return existing(name, version, MODEL_FILE);
    }

    /** The manifest of a version named by an untrusted source; as {@link #existingModelFile}. */
    public Optional<Path> existingManifest(String name, String version) {
        return existing(name, version, MANIFEST_FILE);
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

    private Optional<Path> existing(String name, String version, String file) {
        if (!isPlainSegment(name) || !isPlainSegment(version)) {
            return Optional.empty();
        }
        Path p = root.resolve(name).resolve(version).resolve(file).normalize();
        return p.startsWith(root) && Files.isRegularFile(p) ? Optional.of(p) : Optional.empty();
    }

    private static boolean isPlainSegment(String s) {
        return s != null && PLAIN_SEGMENT.matcher(s).matches() && !s.contains("..");
    }

    private Path inside(Path p) {
        Path normalized = p.normalize();
        if (!normalized.startsWith(root)) {
            throw new IllegalArgumentException("path " + p + " leaves the model store root " + root);
        }
        return normalized;
    }
}
