package dev.glimpse.ingest.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.glimpse.contracts.events.Prediction;
import dev.glimpse.contracts.events.PredictionResult;
import dev.glimpse.ingest.results.PredictionReplies;
import dev.glimpse.ingest.results.PredictionResults;
import dev.glimpse.ingest.results.ResultLookup;
import dev.glimpse.ingest.results.ResultsJson;
import dev.glimpse.platform.http.HttpCall;
import dev.glimpse.platform.http.HttpError;
import dev.glimpse.platform.http.Routes;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.streams.state.HostInfo;

/**
 * The results API on ingest's HTTP server: {@code GET /v1/predictions/{id}} (200 with the prediction and its
 * explanations, 202 pending, 404 unknown; forwarded to the instance that owns the id when it is not this one) and
 * {@code GET /v1/predictions?since=&limit=} (recent results of every instance, merged in first-seen order), and the
 * wait of {@code POST /v1/images?wait=} (request–reply over {@code predictions}). A forwarded request carries
 * {@code local=true} so that the owner answers from its own store without routing again.
 */
final class ResultsRoutes {

    /** The longest {@code wait} a request may ask for; a handler thread is held that long. */
    static final long MAX_WAIT_MS = 60_000;
    static final int MAX_LIMIT = 1000;

    private final ResultsApi api;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
    private final ObjectMapper mapper = new ObjectMapper();

    ResultsRoutes(ResultsApi api) {
        this.api = api;
    }

    Routes routes() {
        return new Routes()
                .get("/v1/predictions/{id}", this::getPrediction)
                .get("/v1/predictions", this::listPredictions);
    }

    /** The {@code wait} query parameter in ms, or -1 when absent. */
    static long waitMs(Map<String, String> params) {
        String text = params.get("wait");
        if (text == null || text.isBlank()) {
            return -1;
        }
        try {
            long ms = Long.parseLong(text.trim());
            if (ms < 0 || ms > MAX_WAIT_MS) {
                throw new NumberFormatException();
            }
            return ms;
        } catch (NumberFormatException e) {
            throw new HttpError(400, "bad-wait", "wait must be a number of milliseconds in 0.." + MAX_WAIT_MS + ", got '"
                    + text + "'", Map.of());
        }
    }

    /**
     * Answers a {@code ?wait=} upload once the image is published: 200 with its prediction when it is committed within
     * the wait (or already in the store), else 202 {@code {"id"}}.
     */
    void answerAfterWait(HttpCall call, String imageId, CompletableFuture<Prediction> reply, long waitMs, long startedNanos) {
        PredictionReplies replies = api.replies();
        try {
            long left = waitMs - (System.nanoTime() - startedNanos) / 1_000_000;
            Prediction p = reply.get(Math.max(0, left), TimeUnit.MILLISECONDS);
            call.sendJson(200, api.json().prediction(p));
        } catch (TimeoutException e) {
            call.sendJson(202, JsonNodeFactory.instance.objectNode().put("id", imageId));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            call.sendJson(202, JsonNodeFactory.instance.objectNode().put("id", imageId));
        } catch (ExecutionException e) {
            call.sendJson(202, JsonNodeFactory.instance.objectNode().put("id", imageId));
        } finally {
            if (replies != null) {
                replies.forget(imageId);
            }
        }
    }

    private void getPrediction(HttpCall call) {
        PredictionResults results = api.requireResults();
        String id = call.pathParam("id");
        boolean local = "true".equals(call.query("local"));
        ResultLookup lookup = local ? results.lookupLocal(id) : results.lookup(id);
        if (lookup instanceof ResultLookup.Found f) {
            call.sendJson(200, api.json().result(f.result()));
        } else if (lookup instanceof ResultLookup.Pending) {
            call.sendJson(202, JsonNodeFactory.instance.objectNode().put("id", id).put("status", "pending"));
        } else if (lookup instanceof ResultLookup.Unknown) {
            call.sendJson(404, JsonNodeFactory.instance.objectNode().put("id", id).put("reason", "unknown")
                    .put("detail", "no image '" + id + "' (never seen, or older than the retention)"));
        } else if (lookup instanceof ResultLookup.Unavailable u) {
            throw new HttpError(503, "unavailable", u.reason(), Map.of("Retry-After", "1"));
        } else if (lookup instanceof ResultLookup.Elsewhere e) {
            forward(call, e.owner(), "/v1/predictions/" + URLEncoder.encode(id, StandardCharsets.UTF_8).replace("+", "%20")
                    + "?local=true");
        }
    }

    private void listPredictions(HttpCall call) throws IOException, InterruptedException {
        PredictionResults results = api.requireResults();
        long since = number(call.query("since"), 0, "since");
        int limit = (int) number(call.query("limit"), 100, "limit");
        if (limit < 1 || limit > MAX_LIMIT) {
            throw new HttpError(400, "bad-limit", "limit must be 1.." + MAX_LIMIT + ", got " + limit, Map.of());
        }
        PredictionResults.Page mine = results.recentLocal(since, limit);
        List<ObjectNode> all = new ArrayList<>();
        long next = mine.next();
        for (PredictionResult r : mine.results()) {
            all.add(api.json().result(r));
        }
        if (!"true".equals(call.query("local"))) {
            for (HostInfo other : results.otherInstances()) {
                JsonNode page = mapper.readTree(fetch(call, other, "/v1/predictions?local=true&since=" + since + "&limit=" + limit).body());
                page.path("results").forEach(n -> all.add((ObjectNode) n));
                long theirs = page.path("next").asLong(-1);
                if (theirs >= 0 && (next < 0 || theirs < next)) {
                    next = theirs;
                }
            }
        }
        all.sort(Comparator.comparingLong(n -> n.path("firstSeenMs").asLong()));
        if (all.size() > limit) {
            next = all.get(limit).path("firstSeenMs").asLong();
        }
        ObjectNode page = JsonNodeFactory.instance.objectNode();
        ArrayNode list = page.putArray("results");
        all.stream().limit(limit).forEach(list::add);
        page.put("next", next);
        call.sendJson(200, page);
    }

    private void forward(HttpCall call, HostInfo owner, String pathAndQuery) {
        try {
            HttpResponse<String> resp = fetch(call, owner, pathAndQuery);
            call.send(resp.statusCode(), "application/json", resp.body().getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new HttpError(502, "owner-unreachable", "the instance holding this id (" + owner.host() + ":" + owner.port()
                    + ") did not answer: " + e.getMessage(), Map.of());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HttpError(503, "unavailable", "interrupted", Map.of());
        }
    }

    private HttpResponse<String> fetch(HttpCall call, HostInfo host, String pathAndQuery) throws IOException, InterruptedException {
        HttpRequest.Builder req = HttpRequest.newBuilder(URI.create("http://" + host.host() + ":" + host.port() + pathAndQuery))
                .timeout(Duration.ofSeconds(10)).GET();
        String auth = call.header("Authorization");
        if (auth != null) {
            req.header("Authorization", auth);
        }
        return http.send(req.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    private static long number(String text, long otherwise, String name) {
        if (text == null || text.isBlank()) {
            return otherwise;
        }
        try {
            return Long.parseLong(text.trim());
        } catch (NumberFormatException e) {
            throw new HttpError(400, "bad-" + name, name + " must be a whole number, got '" + text + "'", Map.of());
        }
    }
}
