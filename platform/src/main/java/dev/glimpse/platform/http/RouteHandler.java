package dev.glimpse.platform.http;

/**
 * Handles one route. It runs on a worker thread once the request body is read (within the route's limit) and
 * answers with one of {@link HttpCall}'s {@code send} methods, {@link HttpCall#openStream}, or by throwing
 * {@link HttpError}; any other exception answers 500.
 */
@FunctionalInterface
public interface RouteHandler {
    void handle(HttpCall call) throws Exception;
}
