package dev.glimpse.platform.http;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one Jetty handler of a {@link HttpServer}: filter → route → per-route concurrency permit → body read
 * (without holding a thread while the client is slow; 413 as soon as the limit is passed) → handler on a worker.
 */
final class Router extends Handler.Abstract {

    private static final Logger LOG = LoggerFactory.getLogger(Router.class);

    private final String name;
    private final Routes routes;
    private final RequestFilter filter;
    private final ErrorBody errorBody;
    private final HttpServer.RequestListener listener;
    private final long defaultMaxBody;
    private final Map<Route, Semaphore> permits = new IdentityHashMap<>();
    private final int maxConcurrent;

    Router(String name, Routes routes, RequestFilter filter, ErrorBody errorBody, HttpServer.RequestListener listener,
           HttpSettings settings) {
        this.name = name;
        this.routes = routes;
        this.filter = filter;
        this.errorBody = errorBody;
        this.listener = listener;
        this.defaultMaxBody = settings.maxBodyBytes();
        this.maxConcurrent = settings.maxConcurrentRequests();
        for (Route r : routes.list()) {
            permits.put(r, new Semaphore(maxConcurrent));
        }
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        long started = System.nanoTime();
        Semaphore[] held = new Semaphore[1];
        AtomicBoolean finished = new AtomicBoolean();
        HttpCall[] self = new HttpCall[1];
        Callback done = Callback.from(() -> finish(self[0], response, held, finished, started, callback, null),
                failure -> finish(self[0], response, held, finished, started, callback, failure));
        HttpCall call = new HttpCall(request, response, done);
        self[0] = call;
        try {
            if (!filter.filter(call)) {
                if (!call.answered()) {
                    throw new IllegalStateException("the request filter stopped a request without answering it");
                }
                return true;
            }
            Routes.Match match = routes.resolve(request.getMethod(), call.rawPath());
            if (match instanceof Routes.Match.WrongMethod w) {
                throw new HttpError(405, "method-not-allowed", "method " + request.getMethod() + " not allowed on "
                        + call.path() + "; use " + String.join(", ", w.allowed()),
                        Map.of("Allow", String.join(", ", w.allowed())));
            }
            if (!(match instanceof Routes.Match.Found found)) {
                throw new HttpError(404, "not-found", "no such endpoint: " + request.getMethod() + " " + call.path(),
                        Map.of());
            }
            call.route(found.route().pattern(), found.params());
            Semaphore permit = permits.get(found.route());
            if (!permit.tryAcquire()) {
                throw new HttpError(503, "busy", found.route().pattern() + " is serving " + maxConcurrent
                        + " requests already; retry shortly", Map.of("Retry-After", "1"));
            }
            held[0] = permit;
            new BodyReader(request, call, found.route()).run();
        } catch (HttpError e) {
            call.sendError(e, errorBody);
        } catch (RuntimeException e) {
            answerFailure(call, e);
        }
        return true;
    }

    private void finish(HttpCall call, Response response, Semaphore[] held, AtomicBoolean finished, long started,
                        Callback callback, Throwable failure) {
        if (!finished.compareAndSet(false, true)) {
            return;
        }
        if (held[0] != null) {
            held[0].release();
        }
        try {
            listener.completed(call.routePattern(), call.method(), failure == null ? response.getStatus() : 500,
                    System.nanoTime() - started);
        } catch (RuntimeException e) {
            LOG.warn("{}: request listener failed", name, e);
        }
        if (failure == null) {
            callback.succeeded();
        } else {
            callback.failed(failure);
        }
    }

    private void invoke(HttpCall call, Route route) {
        try {
            route.handler().handle(call);
            if (!call.answered()) {
                throw new IllegalStateException("the handler of " + route.pattern() + " returned without answering");
            }
        } catch (HttpError e) {
            call.sendError(e, errorBody);
        } catch (Exception e) {
            answerFailure(call, e);
        }
    }

    private void answerFailure(HttpCall call, Exception e) {
        LOG.warn("{}: {} {} failed", name, call.method(), call.path(), e);
        call.sendError(new HttpError(500, "server-error", e.getClass().getSimpleName() + ": " + e.getMessage(),
                Map.of()), errorBody);
    }

    /**
     * Reads the body chunk by chunk as it arrives; between chunks it holds no thread (it asks Jetty to call it again
     * when more data is there). Stops at the limit: then the route's over-limit answer runs on the bytes so far.
     */
    private final class BodyReader implements Runnable {
        private final Request request;
        private final HttpCall call;
        private final Route route;
        private final long limit;
        private byte[] buffer;
        private int size;

        BodyReader(Request request, HttpCall call, Route route) {
            this.request = request;
            this.call = call;
            this.route = route;
            this.limit = route.maxBodyBytes() > 0 ? route.maxBodyBytes() : defaultMaxBody;
            long declared = request.getLength();
            this.buffer = new byte[(int) Math.min(declared > 0 ? declared : 8192, Math.min(limit + 1, 1 << 20))];
        }

        @Override
        public void run() {
            try {
                if (request.getLength() > limit) {
                    tooLarge(); // declared too large: refuse before reading a byte
                    return;
                }
                while (true) {
                    Content.Chunk chunk = request.read();
                    if (chunk == null) {
                        request.demand(this);
                        return;
                    }
                    if (Content.Chunk.isFailure(chunk)) {
                        Throwable failure = chunk.getFailure();
                        call.sendError(new HttpError(400, "bad-request", "the request body could not be read: "
                                + failure.getMessage(), Map.of("Connection", "close")), errorBody);
                        return;
                    }
                    boolean last = chunk.isLast();
                    ByteBuffer bytes = chunk.getByteBuffer();
                    boolean over = size + (long) bytes.remaining() > limit;
                    int take = over ? (int) (limit + 1 - size) : bytes.remaining();
                    ensure(size + take);
                    bytes.get(buffer, size, take);
                    size += take;
                    chunk.release();
                    if (over) {
                        tooLarge();
                        return;
                    }
                    if (last) {
                        call.body(size == buffer.length ? buffer : Arrays.copyOf(buffer, size));
                        invoke(call, route);
                        return;
                    }
                }
            } catch (HttpError e) {
                call.sendError(e, errorBody);
            } catch (RuntimeException e) {
                answerFailure(call, e);
            }
        }

        private void ensure(int capacity) {
            if (capacity > buffer.length) {
                buffer = Arrays.copyOf(buffer, (int) Math.min(Math.max(capacity, 2L * buffer.length), limit + 1));
            }
        }

        private void tooLarge() {
            call.setHeader("Connection", "close");
            byte[] first = Arrays.copyOf(buffer, size);
            if (route.onTooLarge() == null) {
                call.sendError(new HttpError(413, "too-large", "the request body exceeds the limit of " + limit
                        + " bytes", Map.of()), errorBody);
                return;
            }
            try {
                route.onTooLarge().handle(call, first, limit);
            } catch (HttpError e) {
                call.sendError(e, errorBody);
            } catch (Exception e) {
                answerFailure(call, e);
            }
        }
    }
}
