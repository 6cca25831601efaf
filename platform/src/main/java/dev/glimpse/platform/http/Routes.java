package dev.glimpse.platform.http;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.UnaryOperator;

/**
 * A server's route table, read top to bottom: the first route whose method and pattern match handles the request.
 * A path that matches some route but not with this method answers 405 with {@code Allow}; no match answers 404.
 * <pre>{@code
 * Routes routes = new Routes()
 *         .post("/v1/images", this::postImage, r -> r.maxBody(limit).onTooLarge(this::tooLarge))
 *         .post("/v1/labels", this::postLabel)
 *         .get("/v1/predictions/{id}", this::getPrediction);
 * }</pre>
 * {@code GET} routes answer {@code HEAD} too.
 */
public final class Routes {

    private final List<Route> routes = new ArrayList<>();

    public Routes get(String pattern, RouteHandler handler) {
        return add(new Route("GET", pattern, handler, 0, null));
    }

    public Routes post(String pattern, RouteHandler handler) {
        return add(new Route("POST", pattern, handler, 0, null));
    }

    /** A POST route with options (its own body limit, its own answer to an over-limit body). */
    public Routes post(String pattern, RouteHandler handler, UnaryOperator<Route> options) {
        return add(options.apply(new Route("POST", pattern, handler, 0, null)));
    }

    public Routes put(String pattern, RouteHandler handler) {
        return add(new Route("PUT", pattern, handler, 0, null));
    }

    public Routes delete(String pattern, RouteHandler handler) {
        return add(new Route("DELETE", pattern, handler, 0, null));
    }

    public Routes add(Route route) {
        routes.add(route);
        return this;
    }

    /** Every route of {@code other} after these. */
    public Routes addAll(Routes other) {
        routes.addAll(other.routes);
        return this;
    }

    public List<Route> list() {
        return List.copyOf(routes);
    }

    /** What a request resolves to: a route with its path parameters, or the methods the path allows (405/404). */
    public sealed interface Match {
        record Found(Route route, Map<String, String> params) implements Match {
        }

        record WrongMethod(Set<String> allowed) implements Match {
        }

        record NotFound() implements Match {
        }
    }

    public Match resolve(String method, String rawPath) {
        String m = method.equals("HEAD") ? "GET" : method;
        Set<String> allowed = new TreeSet<>();
        for (Route r : routes) {
            Map<String, String> params = r.match(rawPath);
            if (params == null) {
                continue;
            }
            if (r.method().equals(m)) {
                return new Match.Found(r, params);
            }
            allowed.add(r.method());
            if (r.method().equals("GET")) {
                allowed.add("HEAD");
            }
        }
        return allowed.isEmpty() ? new Match.NotFound() : new Match.WrongMethod(allowed);
    }
}
