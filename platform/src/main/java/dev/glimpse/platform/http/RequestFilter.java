package dev.glimpse.platform.http;

/**
 * Runs before routing for every request of one server (authentication, Origin/Host checks, CORS). It refuses by
 * throwing {@link HttpError}, answers a request itself (e.g. a CORS preflight) by sending a response and returning
 * false, or lets the request go on to its route by returning true. Only request headers are available: the body
 * is read after the filter, so a refused request costs no body buffer; its answer drops what has already arrived
 * and says {@code Connection: close} when the rest is still on its way ({@link HttpCall}).
 */
@FunctionalInterface
public interface RequestFilter {

    /** @return true to continue to the route, false when the filter has answered */
    boolean filter(HttpCall call) throws HttpError;

    /** Lets every request through. */
    RequestFilter NONE = call -> true;

    /** This filter, then {@code next} when this one lets the request through. */
    default RequestFilter then(RequestFilter next) {
        return call -> filter(call) && next.filter(call);
    }
}
