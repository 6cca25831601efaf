package dev.glimpse.trainingservice;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.glimpse.platform.http.BearerAuth;
import dev.glimpse.platform.http.HttpCall;
import dev.glimpse.platform.http.HttpError;
import dev.glimpse.platform.http.HttpServer;
import dev.glimpse.platform.http.HttpSettings;
import dev.glimpse.platform.http.OriginPolicy;
import dev.glimpse.platform.http.Routes;
import dev.glimpse.registry.store.ModelStore;
import dev.glimpse.registry.store.ModelStoreException;
import dev.glimpse.registry.store.StoredModel;
import java.io.IOException;
import java.net.URI;
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

    private final ModelLifecycle lifecycle;
    private final ModelStore store;
    private final TrainRequests train;
    private HttpServer server;

    private OperatorApi(ModelLifecycle lifecycle, ModelStore store, TrainRequests train) {
        this.lifecycle = lifecycle;
        this.store = store;
        this.train = train;
    }

    public static OperatorApi start(String host, int port, String token, ModelLifecycle lifecycle, ModelStore store,
                                    TrainRequests train) {
        return start(host, port, token, null, lifecycle, store, train);
    }

    /**
     * On {@code host} with the default HTTP settings.
     *
     * @param token     the write token: every call accepts it
     * @param readToken accepted by the read-only calls ({@code GET}) only; null or blank = none
     */
    public static OperatorApi start(String host, int port, String token, String readToken, ModelLifecycle lifecycle,
                                    ModelStore store, TrainRequests train) {
        if (token == null || token.isBlank()) {
            throw new IllegalArgumentException("the operator API needs a non-empty bearer token");
        }
        BearerAuth auth = BearerAuth.of(token, readToken == null || readToken.isBlank() ? null : readToken, true);
        return start(HttpSettings.defaults().withBind(host), port, auth, lifecycle, store, train);
    }

    /**
     * @param settings bind address, limits and TLS of the listener
     * @param auth     who may call: every call needs the read or the write token, a change the write token
     */
    public static OperatorApi start(HttpSettings settings, int port, BearerAuth auth, ModelLifecycle lifecycle,
                                    ModelStore store, TrainRequests train) {
        OperatorApi api = new OperatorApi(lifecycle, store, train);
        api.server = HttpServer.builder("operator-api", settings).port(port).routes(api.routes())
                .filter(new OriginPolicy(settings).then(auth.withTokenRequiredForReads())).start();
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

    private static void reply(HttpCall call, int status, Object body) throws IOException {
        call.send(status, "application/json", JSON.writeValueAsBytes(body));
    }

    @Override
    public void close() {
        server.close();
    }
}
