package dev.glimpse.trainingservice;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.glimpse.platform.http.HttpCall;
import dev.glimpse.platform.http.HttpError;
import dev.glimpse.platform.http.HttpServer;
import dev.glimpse.platform.http.HttpSettings;
import dev.glimpse.platform.http.Routes;
import dev.glimpse.registry.store.ModelStore;
import dev.glimpse.registry.store.ModelStoreException;
import dev.glimpse.registry.store.StoredModel;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** What a training request does (queues a run). */
    public interface TrainRequests {
        void requestTraining(String reason);
    }

    private final byte[] token;
    /** Accepted by the read-only calls besides {@link #token}; null when there is none. */
    private final byte[] readToken;
    private final ModelLifecycle lifecycle;
    private final ModelStore store;
    private final TrainRequests train;
    private HttpServer server;

    private OperatorApi(String token, String readToken, ModelLifecycle lifecycle, ModelStore store, TrainRequests train) {
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

    /** On {@code host} with the default HTTP settings. */
    public static OperatorApi start(String host, int port, String token, String readToken, ModelLifecycle lifecycle,
                                    ModelStore store, TrainRequests train) {
        return start(HttpSettings.defaults().withBind(host), port, token, readToken, lifecycle, store, train);
    }

    /**
     * @param settings  bind address, limits and TLS of the listener
     * @param token     the write token: every call accepts it
     * @param readToken accepted by the read-only calls ({@code GET}) only; null or blank = none
     */
    public static OperatorApi start(HttpSettings settings, int port, String token, String readToken,
                                    ModelLifecycle lifecycle, ModelStore store, TrainRequests train) {
        if (token == null || token.isBlank()) {
            throw new IllegalArgumentException("the operator API needs a non-empty bearer token");
        }
        OperatorApi api = new OperatorApi(token, readToken, lifecycle, store, train);
        api.server = HttpServer.builder("operator-api", settings).port(port).routes(api.routes())
                .filter(api::authorize).start();
        return api;
    }

    /** The operator API's route table. */
    Routes routes() {
        return new Routes()
                .get("/v1/models", call -> reply(call, 200, describe()))
                .post("/v1/train", call -> {
                    train.requestTraining("operator request (HTTP)");
                    reply(call, 202, Map.of("queued", true, "model", lifecycle.name()));
                })
                .post("/v1/models/{name}/{verb}", this::command);
    }

    public int port() {
        return server.port();
    }

    public URI uri() {
        return server.uri();
    }

    /** The address actually bound, for the start-up line. */
    public String boundAddress() {
        return server.boundAddress();
    }

    /** Every request: the read or the write token; a change needs the write token. */
    private boolean authorize(HttpCall call) {
        byte[] presented = bearer(call);
        boolean write = presented != null && MessageDigest.isEqual(token, presented);
        boolean read = write || (presented != null && readToken != null && MessageDigest.isEqual(readToken, presented));
        if (!read) {
            throw new HttpError(401, "missing or wrong bearer token");
        }
        if (!write && !call.method().equals("GET") && !call.method().equals("HEAD")) {
            throw new HttpError(403, "the read token only reads; " + call.method() + " needs the write token");
        }
        return true;
    }

    private void command(HttpCall call) throws IOException {
        String name = call.pathParam("name");
        if (!name.equals(lifecycle.name())) {
            throw new HttpError(404, "this service manages model '" + lifecycle.name() + "', not '" + name + "'");
        }
        try {
            reply(call, 200, command(call.pathParam("verb"), call.queryParams()));
        } catch (ModelStoreException e) {
            throw new HttpError(404, e.getMessage());
        } catch (IllegalStateException e) {
            throw new HttpError(409, e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new HttpError(400, e.getMessage());
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
    private static byte[] bearer(HttpCall call) {
        String header = call.header("Authorization");
        if (header == null || !header.startsWith("Bearer ")) {
            return null;
        }
        return header.substring("Bearer ".length()).trim().getBytes(StandardCharsets.UTF_8);
    }

    private static void reply(HttpCall call, int status, Object body) throws IOException {
        call.send(status, "application/json", JSON.writeValueAsBytes(body));
    }

    @Override
    public void close() {
        server.close();
    }
}
