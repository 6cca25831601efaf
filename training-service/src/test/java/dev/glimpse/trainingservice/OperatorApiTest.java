package dev.glimpse.trainingservice;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.glimpse.registry.store.ModelManifest;
import dev.glimpse.registry.store.ModelState;
import dev.glimpse.registry.store.ModelStore;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reads take the write token or the read token; changes take the write token only. */
class OperatorApiTest {

    @TempDir
    Path dir;
    private final List<String> trainingRequests = new CopyOnWriteArrayList<>();
    private final HttpClient http = HttpClient.newHttpClient();
    private OperatorApi api;

    @BeforeEach
    void setUp() {
        ModelStore store = new ModelStore(dir);
        store.publish("m", new byte[] {1}, ModelManifest.draft(ModelState.CANDIDATE, "", Map.of("holdout_accuracy", 0.8),
                Map.of(), Map.of()));
        ModelLifecycle lifecycle = new ModelLifecycle("m", store, a -> { }, new TrainingMetrics(new SimpleMeterRegistry()),
                new ModelLifecycle.Settings(0.05, 100, 100, 0.2));
        lifecycle.bootstrap("v1", "seed");
        api = OperatorApi.start("127.0.0.1", 0, "write-secret", "read-secret", lifecycle, store, trainingRequests::add);
    }

    @AfterEach
    void tearDown() {
        api.close();
    }

    private int status(String method, String path, String token) throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(api.uri() + path))
                .method(method, HttpRequest.BodyPublishers.noBody());
        if (token != null) {
            r.header("Authorization", "Bearer " + token);
        }
        return http.send(r.build(), HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    @Test
    void shouldListModelsWithEitherToken() throws Exception {
        assertEquals(200, status("GET", "/v1/models", "read-secret"));
        assertEquals(200, status("GET", "/v1/models", "write-secret"));
    }

    @Test
    void shouldRefuseChangesWithTheReadToken() throws Exception {
        // the read token is known but may not change anything: 403, and no training run is queued
        assertEquals(403, status("POST", "/v1/train", "read-secret"));
        assertEquals(403, status("POST", "/v1/models/m/unpin", "read-secret"));
        assertEquals(List.of(), trainingRequests);
        // the write token still does
        assertEquals(202, status("POST", "/v1/train", "write-secret"));
        assertEquals(1, trainingRequests.size());
    }

    @Test
    void shouldRefuseMissingOrWrongTokens() throws Exception {
        assertEquals(401, status("GET", "/v1/models", null));
        assertEquals(401, status("GET", "/v1/models", "read-secreT"));
        assertEquals(401, status("POST", "/v1/train", "guess"));
    }
}
