package dev.glimpse.runtime;

/**
 * An image that cannot be turned into model input. {@link #reason()} is machine-readable and matches the
 * DeadLetter reasons: {@code empty}, {@code undecodable}, {@code wrong-channels}, {@code too-many-pixels}.
 */
public final class PreprocessingException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String reason;

    public PreprocessingException(String reason, String detail) {
        super(detail);
        this.reason = reason;
    }

    public PreprocessingException(String reason, String detail, Throwable cause) {
        super(detail, cause);
        this.reason = reason;
    }

    public String reason() {
        return reason;
    }
}
