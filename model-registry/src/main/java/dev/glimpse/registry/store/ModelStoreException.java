package dev.glimpse.registry.store;

/** A model store entry is missing, malformed, or fails its integrity check. */
public class ModelStoreException extends RuntimeException {
    public ModelStoreException(String message) {
        super(message);
    }

    public ModelStoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
