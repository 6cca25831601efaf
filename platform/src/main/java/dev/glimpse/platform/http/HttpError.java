package dev.glimpse.platform.http;

import java.util.Map;

/**
 * Thrown by a route handler or a {@link RequestFilter} to answer with an error status and a one-line message; the
 * server renders it with its {@link ErrorBody}. Extra response headers (e.g. {@code WWW-Authenticate}) ride along.
 */
public class HttpError extends RuntimeException {

    private final int status;
    private final String code;
    private final Map<String, String> headers;

    public HttpError(int status, String message) {
        this(status, null, message, Map.of());
    }

    /**
     * @param code a machine-readable reason ({@code "not-found"}), or null to let the server derive one from the status
     */
    public HttpError(int status, String code, String message, Map<String, String> headers) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
        this.headers = Map.copyOf(headers);
    }

    public int status() {
        return status;
    }

    /** The machine-readable reason: the given one, else derived from the status ({@code 413 → "too-large"}). */
    public String code() {
        return code != null ? code : codeOf(status);
    }

    public Map<String, String> headers() {
        return headers;
    }

    static String codeOf(int status) {
        return switch (status) {
            case 400 -> "bad-request";
            case 401 -> "unauthorized";
            case 403 -> "forbidden";
            case 404 -> "not-found";
            case 405 -> "method-not-allowed";
            case 408 -> "request-timeout";
            case 409 -> "conflict";
            case 413 -> "too-large";
            case 415 -> "unsupported-media-type";
            case 431 -> "headers-too-large";
            case 503 -> "unavailable";
            default -> status >= 500 ? "server-error" : "error";
        };
    }
}
