package dev.glimpse.ingest.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.glimpse.ingest.ImageSubmission;
import dev.glimpse.ingest.IngestOutcome;
import dev.glimpse.ingest.Ingestor;
import dev.glimpse.platform.http.BearerAuth;
import dev.glimpse.platform.http.ErrorBody;
import dev.glimpse.platform.http.HttpCall;
import dev.glimpse.platform.http.HttpError;
import dev.glimpse.platform.http.HttpServer;
import dev.glimpse.platform.http.HttpSettings;
import dev.glimpse.platform.http.OriginPolicy;
import dev.glimpse.platform.http.Routes;
import dev.glimpse.platform.kafka.DeadLetterReason;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * HTTP front of ingest. {@code POST /v1/images} takes the image as the raw body or as the file part of a
 * multipart form (optional {@code label} and {@code imageId} as query or form fields) and answers 201
 * {@code {"imageId": ...}} once Kafka has the event; a refused payload answers 4xx
 * {@code {"reason", "detail", "imageId"}} after its dead letter is stored. {@code POST /v1/labels} takes
 * {@code imageId} and {@code label} (JSON, form or query) and publishes a Label. Both need
 * {@code Authorization: Bearer <write token>}; cross-origin pages only from {@code http.cors.origins}. With the results
 * API ({@link ResultsApi}), {@code POST /v1/images?wait=MS} answers 200 with the image's prediction once it is committed
 * on {@code predictions} (or 202 {@code {"id"}} when the wait expires), and {@link ResultsRoutes} serves
 * {@code GET /v1/predictions/{id}} and {@code GET /v1/predictions?since=&limit=} (reads: the read token when one is
 * required).
 */
public final class IngestHttpServer implements AutoCloseable {

    public static final String REQUESTS = "glimpse.ingest.http.requests";

    private static final Logger log = LoggerFactory.getLogger(IngestHttpServer.class);
    /** Room for multipart headers and form fields on top of the image byte limit. */
    private static final int MULTIPART_OVERHEAD = 64 * 1024;
    private static final int MAX_LABEL_BODY = 64 * 1024;

    private final Ingestor ingestor;
    private final MeterRegistry registry;
    private final long maxBytes;
    private final ObjectMapper json = new ObjectMapper();
    private final ResultsApi results;
    private final ResultsRoutes resultsRoutes;
    private HttpServer server;

    private IngestHttpServer(Ingestor ingestor, MeterRegistry registry, ResultsApi results) {
        this.ingestor = ingestor;
        this.registry = registry;
        this.maxBytes = ingestor.validator().maxBytes();
        this.results = results;
        this.resultsRoutes = results == null ? null : new ResultsRoutes(results);
    }

    /**
     * Serves ingest on {@code port} (0 = any free port) of the bind address, with the limits of {@code settings};
     * uploads and labels need the write token of {@code auth}.
     */
    public static IngestHttpServer start(Ingestor ingestor, MeterRegistry registry, HttpSettings settings, BearerAuth auth,
                                         int port) {
        return start(ingestor, registry, settings, auth, port, null);
    }

    /**
     * Serves ingest with the results API ({@code POST /v1/images?wait=}, {@code GET /v1/predictions[/{id}]}) when
     * {@code results} is not null. The results are read with any valid token (the read or the write token): they
     * carry what was predicted for whom.
     */
    public static IngestHttpServer start(Ingestor ingestor, MeterRegistry registry, HttpSettings settings, BearerAuth auth,
                                         int port, ResultsApi results) {
        IngestHttpServer ingest = new IngestHttpServer(ingestor, registry, results);
        ingest.server = HttpServer.builder("ingest", settings).port(port)
                .routes(ingest.routes())
                .filter(new OriginPolicy(settings).then(auth.withTokenRequiredForReads()))
                .errorBody(ErrorBody.REASON_DETAIL)
                .listener(ingest::timed)
                .start();
        return ingest;
    }

    /** The route table of ingest. */
    Routes routes() {
        Routes routes = new Routes()
                .post("/v1/images", this::postImage, r -> r.maxBody(maxBytes + MULTIPART_OVERHEAD).onTooLarge(this::imageTooLarge))
                .post("/v1/labels", this::postLabel, r -> r.maxBody(MAX_LABEL_BODY).onTooLarge(this::labelTooLarge));
        return resultsRoutes == null ? routes : routes.addAll(resultsRoutes.routes());
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

    private void timed(String route, String method, int status, long nanos) {
        Timer.builder(REQUESTS).description("HTTP requests to ingest")
                .tag("route", route == null ? "other" : route).tag("method", method).tag("status", String.valueOf(status))
                .publishPercentiles(0.5, 0.99).register(registry).record(nanos, TimeUnit.NANOSECONDS);
    }

    private void imageTooLarge(HttpCall call, byte[] firstBytes, long limit) {
        rejected(call, ingestor.reject(DeadLetterReason.TOO_MANY_BYTES, "the request body exceeds the limit of "
                + maxBytes + " bytes", Ingestor.newImageId(), firstBytes));
    }

    private void labelTooLarge(HttpCall call, byte[] firstBytes, long limit) {
        rejected(call, ingestor.reject(DeadLetterReason.TOO_MANY_BYTES, "a label request over 64 KiB",
                Ingestor.newImageId(), firstBytes));
    }

    private void postImage(HttpCall call) {
        Map<String, String> params = call.queryParams();
        String contentType = call.contentType();
        boolean multipart = MultipartBody.isMultipart(contentType);
        byte[] body = call.body();
        if (!multipart && body.length > maxBytes) {
            imageTooLarge(call, body, maxBytes);
            return;
        }
        byte[] image = body;
        String filename = null;
        if (multipart) {
            MultipartBody form;
            try {
                form = MultipartBody.parse(contentType, body);
            } catch (IllegalArgumentException e) {
                rejected(call, ingestor.reject(DeadLetterReason.MISSING_IMAGE, "malformed multipart body: "
                        + e.getMessage(), Ingestor.newImageId(), body));
                return;
            }
            form.parts().stream().filter(p -> !p.isFile() && p.name() != null)
                    .forEach(p -> params.putIfAbsent(p.name(), p.text().trim()));
            Optional<MultipartBody.Part> file = form.imagePart();
            if (file.isEmpty()) {
                rejected(call, ingestor.reject(DeadLetterReason.MISSING_IMAGE,
                        "the multipart form has no file part (send the image as field 'file')", Ingestor.newImageId(), body));
                return;
            }
            image = file.get().data();
            filename = file.get().filename();
        }
        String imageId = params.getOrDefault("imageId", null);
        long waitMs = resultsRoutes == null ? -1 : ResultsRoutes.waitMs(params);
        long started = System.nanoTime();
        if (waitMs >= 0 && imageId == null) {
            imageId = Ingestor.newImageId(); // known before publishing: the reply is awaited by id
        }
        Integer label = null;
        String labelText = params.get("label");
        if (labelText != null && !labelText.isEmpty()) {
            try {
                label = Integer.valueOf(labelText.trim());
            } catch (NumberFormatException e) {
                rejected(call, ingestor.reject(DeadLetterReason.BAD_LABEL, "label '" + abbreviate(labelText)
                        + "' is not an integer class index", imageId == null ? Ingestor.newImageId() : imageId, image));
                return;
            }
        }
        Map<String, String> attributes = filename == null || filename.isEmpty() ? Map.of() : Map.of("filename", filename);
        ImageSubmission submission = new ImageSubmission(image, "http", "http", label, imageId, null, attributes);
        // request-reply: the reply is expected before the image is published, so it cannot be missed
        var reply = waitMs >= 0 && results.replies() != null ? results.replies().expect(imageId) : null;
        IngestOutcome outcome = stored(() -> ingestor.ingest(submission));
        if (outcome instanceof IngestOutcome.Accepted accepted) {
            stored(outcome::await);
            if (reply != null) {
                resultsRoutes.answerAfterWait(call, accepted.imageId(), reply, waitMs, started);
                return;
            }
            ObjectNode response = json.createObjectNode()
                    .put("imageId", accepted.imageId())
                    .put("format", accepted.info().format().code())
                    .put("width", accepted.info().width())
                    .put("height", accepted.info().height())
                    .put("channels", accepted.info().channels());
            if (submission.label() != null) {
                response.put("label", submission.label());
            }
            call.sendJson(201, response);
            return;
        }
        if (reply != null) {
            results.replies().forget(imageId);
        }
        rejected(call, (IngestOutcome.Rejected) outcome);
    }

    private void postLabel(HttpCall call) {
        Map<String, String> params = call.queryParams();
        byte[] body = call.body();
        if (body.length > 0) {
            if (call.hasContentType("application/json")) {
                try {
                    JsonNode node = json.readTree(body);
                    if (node != null) {
                        node.properties().forEach(f -> params.putIfAbsent(f.getKey(), f.getValue().asText()));
                    }
                } catch (IOException e) {
                    rejected(call, ingestor.reject(DeadLetterReason.BAD_LABEL, "the body is not JSON: "
                            + e.getMessage().lines().findFirst().orElse(""), Ingestor.newImageId(), body));
                    return;
                }
            } else if (call.hasContentType("application/x-www-form-urlencoded")) {
                params.putAll(HttpCall.parseForm(new String(body, StandardCharsets.UTF_8)));
            }
        }
        String imageId = params.get("imageId");
        String labelText = params.get("label");
        if (imageId == null || imageId.isBlank() || labelText == null) {
            rejected(call, ingestor.reject(DeadLetterReason.BAD_LABEL, "a label needs 'imageId' and 'label'",
                    Ingestor.newImageId(), body));
            return;
        }
        int label;
        try {
            label = Integer.parseInt(labelText.trim());
            stored(() -> ingestor.label(imageId, label, "http", params.get("user")).get());
        } catch (NumberFormatException e) {
            rejected(call, ingestor.reject(DeadLetterReason.BAD_LABEL, "label '" + abbreviate(labelText)
                    + "' is not an integer class index", Ingestor.newImageId(), body));
            return;
        } catch (IllegalArgumentException e) {
            // the dead letter names the image the label was for, when its id is one
            rejected(call, ingestor.reject(DeadLetterReason.BAD_LABEL, e.getMessage(),
                    Ingestor.isValidImageId(imageId) ? imageId : Ingestor.newImageId(), body));
            return;
        }
        call.sendJson(201, json.createObjectNode().put("imageId", imageId).put("label", label));
    }

    /** Runs a step that stores an event in Kafka; a failure answers 503 (the client may retry). */
    private static <T> T stored(Callable<T> step) {
        try {
            return step.call();
        } catch (IllegalArgumentException e) {
            throw e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HttpError(503, "unavailable", "interrupted while storing the event", Map.of());
        } catch (ExecutionException e) {
            throw unavailable(e.getCause());
        } catch (Exception e) {
            throw unavailable(e);
        }
    }

    private static HttpError unavailable(Throwable cause) {
        if (cause instanceof IllegalArgumentException iae) {
            throw iae;
        }
        log.warn("ingest could not store an event", cause);
        return new HttpError(503, "unavailable", "could not store the event: " + cause.getMessage(), Map.of());
    }

    private void rejected(HttpCall call, IngestOutcome.Rejected rejected) {
        stored(rejected::await);
        ObjectNode body = json.createObjectNode().put("reason", rejected.reason().code()).put("detail", rejected.detail());
        if (rejected.imageId() != null) {
            body.put("imageId", rejected.imageId());
        }
        call.sendJson(statusFor(rejected.reason()), body);
    }

    /**
     * 413 for size, 415 for format, 400 for a malformed request, 409 for an image id taken by other content, 422 for
     * an image we understood but refuse.
     */
    static int statusFor(DeadLetterReason reason) {
        return switch (reason) {
            case ID_CONFLICT -> 409;
            case TOO_MANY_BYTES -> 413;
            case UNSUPPORTED_FORMAT -> 415;
            case EMPTY, MISSING_IMAGE, BAD_LABEL, MALFORMED_EVENT -> 400;
            default -> 422;
        };
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "...";
    }

    /** Stops accepting uploads and lets those in flight finish (up to {@code http.shutdown.timeout}). */
    @Override
    public void close() {
        server.close();
    }
}
