package dev.glimpse.registry.artifacts;

/** An artifact id that is not of the form {@code <64 hex>.<known extension>}, or that escapes the store. */
public final class InvalidArtifactIdException extends IllegalArgumentException {

    public InvalidArtifactIdException(String id, String why) {
        super("invalid artifact id '" + abbreviate(id) + "': " + why);
    }

    private static String abbreviate(String s) {
        if (s == null) {
            return "null";
        }
        return s.length() > 100 ? s.substring(0, 100) + "..." : s;
    }
}
