package dev.glimpse.platform.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * One request and its response, as a route handler or a {@link RequestFilter} sees it: method, path, path and
 * query parameters, headers, the body (already read within the route's limit) and one way to answer.
 */
public final class HttpCall {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Request request;
    private final Response response;
    private final Callback done;
    private final AtomicBoolean answered = new AtomicBoolean();
    private final Map<String, Object> attributes = new ConcurrentHashMap<>();
    private Map<String, String> pathParams = Map.of();
    private Map<String, String> query;
    private byte[] body = new byte[0];
    private boolean bodyRead;
    private String routePattern;

    HttpCall(Request request, Response response, Callback done) {
        this.request = request;
        this.response = response;
        this.done = done;
    }

    // --- the request ---

    public String method() {
        return request.getMethod();
    }

    /** The path as sent (percent-encoded), e.g. {@code /v1/predictions/a%2Fb}. */
    public String rawPath() {
        return request.getHttpURI().getPath();
    }

    /** The decoded path. */
    public String path() {
        String decoded = request.getHttpURI().getDecodedPath();
        return decoded != null ? decoded : rawPath();
    }

    /** The pattern of the matched route ({@code /v1/predictions/{id}}), or null before routing / without a match. */
    public String routePattern() {
        return routePattern;
    }

    /** A {@code {name}} segment of the route's pattern (decoded), or a {@code {name...}} rest (raw); null if absent. */
    public String pathParam(String name) {
        return pathParams.get(name);
    }

    /** The query parameters, decoded; the first value of a repeated name wins. A fresh mutable copy. */
    public Map<String, String> queryParams() {
        if (query == null) {
            query = parseForm(request.getHttpURI().getQuery());
        }
        return new HashMap<>(query);
    }

    public String query(String name) {
        queryParams();
        return query.get(name);
    }

    /** The first value of a request header, or null. */
    public String header(String name) {
        return request.getHeaders().get(name);
    }

    /** The request's {@code Content-Type}, or "" without one. */
    public String contentType() {
        String type = request.getHeaders().get(HttpHeader.CONTENT_TYPE);
        return type == null ? "" : type;
    }

    /** True when the media type of the body is {@code type} (parameters such as charset ignored, case-insensitive). */
    public boolean hasContentType(String type) {
        String t = contentType();
        int semi = t.indexOf(';');
        return (semi < 0 ? t : t.substring(0, semi)).trim().toLowerCase(Locale.ROOT).equals(type);
    }

    /** The request body (empty when there is none). */
    public byte[] body() {
        return body;
    }

    public String remoteAddress() {
        return Request.getRemoteAddr(request);
    }

    public boolean isSecure() {
        return request.isSecure();
    }

    /** Per-request values a filter hands to the handler (e.g. who the caller is). */
    public Object attribute(String name) {
        return attributes.get(name);
    }

    public void setAttribute(String name, Object value) {
        attributes.put(name, value);
    }

    // --- the response ---

    /** Sets a response header (before the answer is sent). */
    public HttpCall setHeader(String name, String value) {
        response.getHeaders().put(name, value);
        return this;
    }

    /** True once an answer was sent or a stream opened. */
    public boolean answered() {
        return answered.get();
    }

    /** Answers with {@code body} ({@code HEAD}: headers only). */
    public void send(int status, String contentType, byte[] body) {
        claim();
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, contentType);
        response.getHeaders().put("X-Content-Type-Options", "nosniff");
        boolean head = request.getMethod().equals("HEAD");
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
        response.write(true, head ? ByteBuffer.allocate(0) : ByteBuffer.wrap(body), done);
    }

    public void sendText(int status, String contentType, String text) {
        send(status, contentType, text.getBytes(StandardCharsets.UTF_8));
    }

    /** Answers with {@code value} as JSON (a Jackson node, a map, a record). */
    public void sendJson(int status, Object value) {
        try {
            send(status, "application/json", JSON.writeValueAsBytes(value));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Answers 204 without a body. */
    public void sendEmpty(int status) {
        claim();
        response.setStatus(status);
        response.write(true, ByteBuffer.allocate(0), done);
    }

    /**
     * Starts a streamed answer (e.g. server-sent events): the headers go out now, each {@code write + flush} reaches
     * the client, and the request ends when the returned stream is closed — not when the handler returns. A write to
     * a client that went away throws {@link IOException}.
     */
    public OutputStream openStream(int status, String contentType) throws IOException {
        claim();
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, contentType);
        OutputStream out = Content.Sink.asOutputStream(response);
        out.flush(); // commits the headers
        return new OutputStream() {
            private final AtomicBoolean closed = new AtomicBoolean();

            @Override
            public void write(int b) throws IOException {
                out.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                out.write(b, off, len);
            }

            @Override
            public void flush() throws IOException {
                out.flush();
            }

            @Override
            public void close() {
                if (!closed.compareAndSet(false, true)) {
                    return;
                }
                try {
                    out.close();
                    done.succeeded();
                } catch (IOException | RuntimeException e) {
                    done.failed(e);
                }
            }
        };
    }

    /** Answers {@code error} through the server's error shape (or aborts when an answer has already started). */
    void sendError(HttpError error, ErrorBody shape) {
        if (answered.get()) {
            done.failed(error);
            return;
        }
        error.headers().forEach(this::setHeader);
        sendJson(error.status(), shape.render(error));
    }

    void fail(Throwable failure) {
        done.failed(failure);
    }

    void route(String pattern, Map<String, String> params) {
        this.routePattern = pattern;
        this.pathParams = params;
    }

    void body(byte[] bytes) {
        this.body = bytes;
        this.bodyRead = true;
    }

    private void claim() {
        if (!answered.compareAndSet(false, true)) {
            throw new IllegalStateException("this request was already answered");
        }
        if (!bodyRead) {
            endConnectionUnlessBodyConsumed();
        }
    }

    /**
     * An answer given before the body was read (a refusal by the filter, 404, 503, 413 on a declared length): Jetty
     * consumes what has already arrived of the body (a bounded number of non-blocking reads); when that is not all
     * of it, the connection cannot carry another request, and Jetty would drop it only after the answer had gone out
     * as keep-alive — a client reusing the connection then loses its next request. Saying {@code Connection: close}
     * in the answer itself tells the client not to reuse it.
     */
    private void endConnectionUnlessBodyConsumed() {
        boolean expectsContinue = request.getHeaders().contains(HttpHeader.EXPECT, "100-continue");
        if (expectsContinue || !request.consumeAvailable()) {
            response.getHeaders().put(HttpHeader.CONNECTION, "close");
        }
    }

    /** {@code a=1&b=x%20y} → {a=1, b=x y}; the first value of a repeated name wins. */
    public static Map<String, String> parseForm(String text) {
        Map<String, String> params = new HashMap<>();
        if (text == null) {
            return params;
        }
        for (String pair : text.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String key = decode(eq < 0 ? pair : pair.substring(0, eq));
            String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
            params.putIfAbsent(key, value);
        }
        return params;
    }

    static String decode(String s) {
        try {
            return URLDecoder.decode(s, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new HttpError(400, "malformed percent-encoding in '" + (s.length() > 40 ? s.substring(0, 40) + "..." : s) + "'");
        }
    }
}
