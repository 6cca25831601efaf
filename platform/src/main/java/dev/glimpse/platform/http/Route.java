package dev.glimpse.platform.http;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One entry of a route table: method, path pattern, handler and body limit. A pattern is literal segments,
 * {@code {name}} segments (one path segment, URL-decoded, available as {@link HttpCall#pathParam}) and an optional
 * trailing {@code {name...}} capturing the rest of the path (raw, possibly with slashes).
 *
 * @param maxBodyBytes the body limit of this route; 0 = the server's {@code http.body.max}
 * @param onTooLarge   answers a body over the limit (it sees the first limit + 1 bytes); null = a plain 413
 */
public record Route(String method, String pattern, RouteHandler handler, long maxBodyBytes, TooLarge onTooLarge) {

    /** Answers a request whose body went over the route's limit; reading stopped there. */
    @FunctionalInterface
    public interface TooLarge {
        void handle(HttpCall call, byte[] firstBytes, long limit) throws Exception;
    }

    public Route {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(handler, "handler");
        if (!pattern.startsWith("/")) {
            throw new IllegalArgumentException("a route pattern starts with '/': " + pattern);
        }
        if (maxBodyBytes < 0) {
            throw new IllegalArgumentException("maxBodyBytes < 0 on " + pattern);
        }
    }

    /** The same route with its own body limit. */
    public Route maxBody(long bytes) {
        return new Route(method, pattern, handler, bytes, onTooLarge);
    }

    /** The same route answering an over-limit body itself. */
    public Route onTooLarge(TooLarge answer) {
        return new Route(method, pattern, handler, maxBodyBytes, answer);
    }

    /** The path parameters when {@code rawPath} matches this route's pattern, else null. */
    Map<String, String> match(String rawPath) {
        List<String> want = segments(pattern);
        List<String> have = segments(rawPath);
        Map<String, String> params = new LinkedHashMap<>();
        for (int i = 0; i < want.size(); i++) {
            String w = want.get(i);
            if (w.startsWith("{") && w.endsWith("...}")) {
                if (i >= have.size()) {
                    return null;
                }
                params.put(w.substring(1, w.length() - 4), String.join("/", have.subList(i, have.size())));
                return params;
            }
            if (i >= have.size()) {
                return null;
            }
            String h = have.get(i);
            if (w.startsWith("{") && w.endsWith("}")) {
                if (h.isEmpty()) {
                    return null;
                }
                params.put(w.substring(1, w.length() - 1), HttpCall.decode(h));
            } else if (!w.equals(h)) {
                return null;
            }
        }
        return want.size() == have.size() ? params : null;
    }

    private static List<String> segments(String path) {
        List<String> out = new ArrayList<>();
        if (path.equals("/")) {
            return out;
        }
        int start = 1;
        while (true) {
            int slash = path.indexOf('/', start);
            if (slash < 0) {
                out.add(path.substring(start));
                return out;
            }
            out.add(path.substring(start, slash));
            start = slash + 1;
        }
    }
}
