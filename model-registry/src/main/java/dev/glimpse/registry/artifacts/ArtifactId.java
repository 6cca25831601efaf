package dev.glimpse.registry.artifacts;

import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The name of a stored artifact: the sha256 of its content in lower-case hex and an extension from a fixed
 * list. This is the only form in which a caller (an HTTP request, an event) can name an artifact; it never
 * contains a separator, a dot-dot or an encoded character, so it cannot name a path outside the store.
 */
public record ArtifactId(String sha256, String extension) {

    /** Extensions the store accepts, with the content type they are served with. */
    public static final Set<String> EXTENSIONS = Set.of("png", "npy", "svg", "json");

    private static final Pattern FORM = Pattern.compile("[0-9a-f]{64}\\.(png|npy|svg|json)");
    private static final String URI_SCHEME = "artifact:";

    public ArtifactId {
        if (sha256 == null || !sha256.matches("[0-9a-f]{64}")) {
            throw new InvalidArtifactIdException(sha256, "the digest must be 64 lower-case hex characters");
        }
        if (extension == null || !EXTENSIONS.contains(extension)) {
            throw new InvalidArtifactIdException(extension, "the extension must be one of " + EXTENSIONS);
        }
    }

    /** Parses {@code <sha256>.<ext>}; anything else (paths, dot-dots, encodings, upper case) is rejected. */
    public static ArtifactId parse(String id) {
        if (id == null || id.length() > 80 || !FORM.matcher(id).matches()) {
            throw new InvalidArtifactIdException(id, "expected <64 lower-case hex>.<" + String.join("|", EXTENSIONS) + ">");
        }
        int dot = id.indexOf('.');
        return new ArtifactId(id.substring(0, dot), id.substring(dot + 1));
    }

    /** Parses the URI form {@code artifact:<sha256>.<ext>} carried in Explanation events. */
    public static ArtifactId fromUri(String uri) {
        if (uri == null || !uri.startsWith(URI_SCHEME)) {
            throw new InvalidArtifactIdException(uri, "expected a URI starting with " + URI_SCHEME);
        }
        return parse(uri.substring(URI_SCHEME.length()));
    }

    public String id() {
        return sha256 + "." + extension;
    }

    public String uri() {
        return URI_SCHEME + id();
    }

    public String contentType() {
        return switch (extension.toLowerCase(Locale.ROOT)) {
            case "png" -> "image/png";
            case "svg" -> "image/svg+xml";
            case "json" -> "application/json";
            default -> "application/octet-stream";
        };
    }

    @Override
    public String toString() {
        return id();
    }
}
