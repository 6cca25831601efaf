package dev.glimpse.runtime;

/** The requested execution device (e.g. {@code cuda:0} in strict mode) cannot be used on this machine. */
public final class DeviceUnavailableException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public DeviceUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
