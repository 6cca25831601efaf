package dev.glimpse.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The results API over HTTP: {@link #predict} ({@code POST /v1/images?wait=MS}) and {@link #prediction}
 * ({@code GET /v1/predictions/{id}}), with a bearer token when one is given.
 */
public final class GlimpseClient {

    /** Where {@code ./glimpse demo} serves ingest. */
    public static final URI DEFAULT_URL = URI.create("http://127.0.0.1:8081");

    private final URI base;
    private final Optional<String> token;
    private final HttpClient http;
    private final ObjectMapper json = new ObjectMapper();

    public GlimpseClient(URI base, Optional<String> token) {
        this.base = base;
        this.token = token;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    }

    public URI base() {
        return base;
    }

    /**
     * Submits an image and waits up to {@code wait} for its prediction: {@link Answer.Predicted}, or
     * {@link Answer.Pending} with the image id when the wait expired first.
     */
    public Answer predict(byte[] image, Duration wait) {
        URI uri = base.resolve("/v1/images?wait=" + wait.toMillis());
        HttpRequest.Builder req = HttpRequest.newBuilder(uri).timeout(wait.plusSeconds(30))
                .header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.ofByteArray(image));
        return answer(send(req), "");
    }

    /** The stored prediction of an image, with its explanations when present. */
    public Answer prediction(String id) {
        URI uri = base.resolve("/v1/predictions/" + URLEncoder.encode(id, StandardCharsets.UTF_8).replace("+", "%20"));
        return answer(send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).GET()), id);
    }

    private HttpResponse<String> send(HttpRequest.Builder req) {
        token.ifPresent(t -> req.header("Authorization", "Bearer " + t));
        HttpRequest r = req.build();
        try {
            return http.send(r, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (ConnectException e) {
            throw new GlimpseClientException(0, "cannot reach " + base + " (is ingest running? ./glimpse demo serves it on "
                    + DEFAULT_URL + ")", e);
        } catch (IOException e) {
            throw new GlimpseClientException(0, r.method() + " " + r.uri() + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GlimpseClientException(0, "interrupted", e);
        }
    }

    private Answer answer(HttpResponse<String> resp, String id) {
        JsonNode body;
        try {
            body = resp.body().isBlank() ? json.createObjectNode() : json.readTree(resp.body());
        } catch (IOException e) {
            throw new GlimpseClientException(resp.statusCode(), "HTTP " + resp.statusCode() + " with a body that is not JSON: "
                    + abbreviate(resp.body()), e);
        }
        return switch (resp.statusCode()) {
            case 200 -> new Answer.Predicted(parse(body), resp.body());
            case 202 -> new Answer.Pending(body.path("id").asText(id));
            case 404 -> new Answer.Unknown(body.path("id").asText(id));
            default -> throw new GlimpseClientException(resp.statusCode(), "HTTP " + resp.statusCode()
                    + (body.has("reason") ? " " + body.get("reason").asText() : "")
                    + (body.has("detail") ? ": " + body.get("detail").asText() : ": " + abbreviate(resp.body())), null);
        };
    }

    /** The JSON of a prediction (the server's shape) as a record. */
    public static PredictionResult parse(JsonNode n) {
        List<ClassScore> top = new ArrayList<>();
        for (JsonNode c : n.path("top")) {
            top.add(new ClassScore(c.path("index").asInt(), c.path("label").asText(""), c.path("probability").asDouble()));
        }
        List<ExplanationRef> explanations = new ArrayList<>();
        for (JsonNode e : n.path("explanations")) {
            JsonNode f = e.path("faithfulness");
            explanations.add(new ExplanationRef(e.path("method").asText(), e.path("modelVersion").asText(""),
                    e.path("imageUrl").asText(""), e.path("rawUrl").asText(""), f.path("deletionAuc").asDouble(Double.NaN),
                    f.path("insertionAuc").asDouble(Double.NaN), f.path("averageDrop").asDouble(Double.NaN)));
        }
        return new PredictionResult(n.path("id").asText(), n.path("model").path("name").asText(),
                n.path("model").path("version").asText(), top, n.path("latencyMs").asLong(), explanations);
    }

    private static String abbreviate(String s) {
        return s.length() <= 200 ? s : s.substring(0, 200) + "...";
    }
}
