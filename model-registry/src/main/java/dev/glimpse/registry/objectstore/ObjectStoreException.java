package dev.glimpse.registry.objectstore;

/** An object store that cannot be reached, read or written; the message names the object or bucket. */
public final class ObjectStoreException extends RuntimeException {
    public ObjectStoreException(String message, Throwable cause) {
        super(message, cause);
    }

    public ObjectStoreException(String message) {
        super(message);
    }
}
