package dev.glimpse.runtime;

/** A {@code metadata_props} value that cannot be used; the message names the key and quotes the value. */
public final class InvalidModelMetadataException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final String key;

    public InvalidModelMetadataException(String key, String value, String expectation) {
        super("model metadata key '" + key + "' has value '" + value + "': " + expectation);
        this.key = key;
    }

    public String key() {
        return key;
    }
}
