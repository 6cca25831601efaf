package dev.glimpse.client;

/** The API refused a request (4xx/5xx, with its reason) or could not be reached. */
public final class GlimpseClientException extends RuntimeException {

    private final int status;

    public GlimpseClientException(int status, String message, Throwable cause) {
        super(message, cause);
        this.status = status;
    }

    /** The HTTP status, or 0 when no answer came (connection refused, timeout). */
    public int status() {
        return status;
    }
}
