package dev.glimpse.trainingservice;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.glimpse.registry.store.ModelStore;
import dev.glimpse.registry.store.ModelStoreException;
import dev.glimpse.registry.store.StoredModel;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operator HTTP API: reads ({@code GET}) take the write token or the read token, changes only the write token
 * ({@code Authorization: Bearer <token>}):
 * <ul>
 *   <li>{@code GET  /v1/models} — serving, pinned and shadow versions and every stored version with its manifest</li>
 *   <li>{@code POST /v1/train} — queue a training run</li>
 *   <li>{@code POST /v1/models/<name>/promote?version=vN}, {@code .../rollback}, {@code .../pin?version=vN},
 *       {@code .../unpin}</li>
 * </ul>
 * Answers JSON; errors are {@code {"error": "..."}} with 400 (bad input), 401 (token), 403 (the read token on
 * a change), 404 (unknown model or
 * version), 409 (not possible now, e.g. pinned or nothing to roll back to).
 */
public final class OperatorApi implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(OperatorApi.class);
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** What a training request does (queues a run). */
    public interface TrainRequests {
        void requestTraining(String reason);
    }

    private final HttpServer server;
    private final ExecutorService executor;
    private final byte[] token;
    /** Accepted by the read-only calls besides {@link #token}; null when there is none. */
    private final byte[] readToken;
    private final ModelLifecycle lifecycle;
    private final ModelStore store;
    private final TrainRequests train;

    private OperatorApi(HttpServer server, ExecutorService executor, String token, String readToken,
                        ModelLifecycle lifecycle, ModelStore store, TrainRequests train) {
        this.server = server;
        this.executor = executor;
        this.token = token.getBytes(StandardCharsets.UTF_8);
        this.readToken = readToken == null || readToken.isBlank() ? null : readToken.getBytes(StandardCharsets.UTF_8);
        this.lifecycle = lifecycle;
        this.store = store;
        this.train = train;
    }

    public static OperatorApi start(String host, int port, String token, ModelLifecycle lifecycle, ModelStore store,
                                    TrainRequests train) {
        return start(host, port, token, null, lifecycle, store, train);
    }

    /**
     * @param token     the write token: every call accepts it
     * @param readToken accepted by the read-only calls ({@code GET}) only; null or blank = none
     */
    public static OperatorApi start(String host, int port, String token, String readToken, ModelLifecycle lifecycle,
                                    ModelStore store, TrainRequests train) {
        if (token == null || token.isBlank()) {
            throw new IllegalArgumentException("the operator API needs a non-empty bearer token");
        }
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress(host, port), 16);
            ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "training-operator-api");
                t.setDaemon(true);
                return t;
            });
            server.setExecutor(executor);
            OperatorApi api = new OperatorApi(server, executor, token, readToken, lifecycle, store, train);
            server.createContext("/v1/", api::handle);
            server.start();
            return api;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot serve the operator API on " + host + ":" + port + ": "
                    + e.getMessage(), e);
        }
    }

    public int port() {
        return server.getAddress().getPort();
    }

    public URI uri() {
        return URI.create("http://" + server.getAddress().getHostString() + ":" + port());
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            byte[] presented = bearer(ex);
            boolean write = presented != null && MessageDigest.isEqual(token, presented);
            boolean read = write || (presented != null && readToken != null && MessageDigest.isEqual(readToken, presented));
            if (!read) {
                reply(ex, 401, Map.of("error", "missing or wrong bearer token"));
                return;
            }
            if (!write && !ex.getRequestMethod().equals("GET")) {
                reply(ex, 403, Map.of("error", "the read token only reads; " + ex.getRequestMethod()
                        + " needs the write token"));
                return;
            }
            String path = ex.getRequestURI().getPath();
            String method = ex.getRequestMethod();
            Map<String, String> query = query(ex.getRequestURI().getRawQuery());
            try {
                if (path.equals("/v1/models") && method.equals("GET")) {
                    reply(ex, 200, describe());
                } else if (path.equals("/v1/train") && method.equals("POST")) {
                    train.requestTraining("operator request (HTTP)");
                    reply(ex, 202, Map.of("queued", true, "model", lifecycle.name()));
                } else if (path.startsWith("/v1/models/") && method.equals("POST")) {
                    String[] parts = path.substring("/v1/models/".length()).split("/");
                    if (parts.length != 2) {
                        reply(ex, 404, Map.of("error", "no such endpoint: " + path));
                        return;
                    }
                    String name = parts[0];
                    if (!name.equals(lifecycle.name())) {
                        reply(ex, 404, Map.of("error", "this service manages model '" + lifecycle.name() + "', not '"
                                + name + "'"));
                        return;
                    }
                    reply(ex, 200, command(parts[1], query));
                } else {
                    reply(ex, 404, Map.of("error", "no such endpoint: " + method + " " + path));
                }
            } catch (ModelStoreException e) {
                reply(ex, 404, Map.of("error", e.getMessage()));
            } catch (IllegalStateException e) {
                reply(ex, 409, Map.of("error", e.getMessage()));
            } catch (IllegalArgumentException e) {
                reply(ex, 400, Map.of("error", e.getMessage()));
            } catch (RuntimeException e) {
                LOG.error("operator API {} {} failed", method, path, e);
                reply(ex, 500, Map.of("error", e.toString()));
            }
        }
    }

    private Map<String, Object> command(String verb, Map<String, String> query) {
        String by = "operator";
        switch (verb) {
            case "promote" -> {
                StoredModel m = lifecycle.promote(required(query, "version"), "promoted by " + by, true);
                return Map.of("serving", m.version());
            }
            case "rollback" -> {
                StoredModel m = lifecycle.rollback("rolled back by " + by, true);
                return Map.of("serving", m.version());
            }
            case "pin" -> {
                lifecycle.pin(required(query, "version"));
                return Map.of("pinned", lifecycle.pinned().orElse(""), "serving",
                        lifecycle.serving().map(StoredModel::version).orElse(""));
            }
            case "unpin" -> {
                lifecycle.unpin();
                return Map.of("pinned", "");
            }
            default -> throw new IllegalArgumentException("unknown command '" + verb
                    + "': use promote, rollback, pin or unpin");
        }
    }

    private Map<String, Object> describe() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("model", lifecycle.name());
        out.put("serving", lifecycle.serving().map(StoredModel::version).orElse(""));
        out.put("pinned", lifecycle.pinned().orElse(""));
        out.put("shadow", lifecycle.shadowVersion().orElse(""));
        List<Map<String, Object>> versions = store.versions(lifecycle.name()).stream().map(m -> {
            Map<String, Object> v = new LinkedHashMap<>();
            v.put("version", m.version());
            v.put("state", m.manifest().state().name());
            v.put("parent", m.manifest().parentVersion());
            v.put("sha256", m.manifest().sha256());
            v.put("created_at_ms", m.manifest().createdAtMs());
            v.put("metrics", m.manifest().metrics());
            double live = lifecycle.liveAccuracy(m.version());
            v.put("live_accuracy", Double.isNaN(live) ? null : live);
            v.put("live_labeled", lifecycle.liveLabeled(m.version()));
            v.put("reason", m.manifest().reason());
            return v;
        }).toList();
        out.put("versions", versions);
        return out;
    }

    private static String required(Map<String, String> query, String key) {
        String v = query.get(key);
        if (v == null || v.isBlank()) {
            throw new IllegalArgumentException("missing query parameter '" + key + "'");
        }
        return v;
    }

    /** The bearer token of the request, null without one; compared in constant time (MessageDigest.isEqual). */
    private static byte[] bearer(HttpExchange ex) {
        String header = ex.getRequestHeaders().getFirst("Authorization");
        if (header == null || !header.startsWith("Bearer ")) {
            return null;
        }
        return header.substring("Bearer ".length()).trim().getBytes(StandardCharsets.UTF_8);
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> out = new HashMap<>();
        if (raw == null || raw.isEmpty()) {
            return out;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            out.put(k, v);
        }
        return out;
    }

    private static void reply(HttpExchange ex, int status, Object body) throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(body);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
