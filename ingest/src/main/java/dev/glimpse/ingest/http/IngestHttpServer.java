package dev.glimpse.ingest.http;

import java.util.concurrent.ExecutionException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.glimpse.ingest.ImageSubmission;
import dev.glimpse.ingest.IngestOutcome;
import dev.glimpse.ingest.Ingestor;
import dev.glimpse.platform.kafka.DeadLetterReason;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * HTTP front of ingest. {@code POST /v1/images} takes the image as the raw body or as the file part of a
 * multipart form (optional {@code label} and {@code imageId} as query or form fields) and answers 201
 * {@code {"imageId": ...}} once Kafka has the event; a refused payload answers 4xx
 * {@code {"reason", "detail", "imageId"}} after its dead letter is stored. {@code POST /v1/labels} takes
 * {@code imageId} and {@code label} (JSON, form or query) and publishes a Label.
 */
public final class IngestHttpServer implements AutoCloseable {

    public static final String REQUESTS = "glimpse.ingest.http.requests";

    private static final Logger log = LoggerFactory.getLogger(IngestHttpServer.class);
    /** Room for multipart headers and form fields on top of the image byte limit. */
    private static final int MULTIPART_OVERHEAD = 64 * 1024;

    private final Ingestor ingestor;
    private final MeterRegistry registry;
    private final long maxBytes;
    private final HttpServer server;
    private final ExecutorService executor;
    private final ObjectMapper json = new ObjectMapper();

    private IngestHttpServer(Ingestor ingestor, MeterRegistry registry, HttpServer server, ExecutorService executor) {
        this.ingestor = ingestor;
        this.registry = registry;
        this.maxBytes = ingestor.validator().maxBytes();
        this.server = server;
        this.executor = executor;
    }

    public static IngestHttpServer start(Ingestor ingestor, MeterRegistry registry, String host, int port, int threads) {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress(host, port), 64);
            AtomicInteger n = new AtomicInteger();
            ExecutorService executor = Executors.newFixedThreadPool(threads, r -> {
                Thread t = new Thread(r, "glimpse-ingest-http-" + n.incrementAndGet());
                t.setDaemon(true);
                return t;
            });
            server.setExecutor(executor);
            IngestHttpServer ingest = new IngestHttpServer(ingestor, registry, server, executor);
            server.createContext("/v1/images", e -> ingest.timed("/v1/images", e, ingest::postImage));
            server.createContext("/v1/labels", e -> ingest.timed("/v1/labels", e, ingest::postLabel));
            server.createContext("/", e -> ingest.timed("other", e, ex -> ingest.error(ex, 404, "not-found",
                    "no such endpoint; use POST /v1/images or POST /v1/labels", null)));
            server.start();
            return ingest;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on " + host + ":" + port + ": " + e.getMessage(), e);
        }
    }

    public int port() {
        return server.getAddress().getPort();
    }

    public URI uri() {
        return URI.create("http://127.0.0.1:" + port());
    }

    @FunctionalInterface
    private interface Handler {
        int handle(HttpExchange exchange) throws IOException;
    }

    private void timed(String route, HttpExchange exchange, Handler handler) {
        Timer.Sample sample = Timer.start(registry);
        int status = 500;
        try (exchange) {
            // The web console runs on another port: allow browsers to call this API from any origin.
            exchange.getResponseHeaders().set("Access-Control-Allow-Origin", "*");
            if ("OPTIONS".equals(exchange.getRequestMethod())) {
                exchange.getResponseHeaders().set("Access-Control-Allow-Methods", "POST, OPTIONS");
                exchange.getResponseHeaders().set("Access-Control-Allow-Headers", "Content-Type");
                exchange.sendResponseHeaders(204, -1);
                status = 204;
                return;
            }
            status = handler.handle(exchange);
        } catch (RuntimeException | IOException e) {
            log.warn("{} {} failed", exchange.getRequestMethod(), route, e);
            try {
                status = error(exchange, 503, "unavailable", "could not store the event: " + e.getMessage(), null);
            } catch (IOException | RuntimeException ignored) {
                // the client is gone; nothing left to tell it
            }
        } finally {
            sample.stop(Timer.builder(REQUESTS).description("HTTP requests to ingest")
                    .tag("route", route).tag("method", exchange.getRequestMethod()).tag("status", String.valueOf(status))
                    .publishPercentiles(0.5, 0.99).register(registry));
        }
    }

    private int postImage(HttpExchange exchange) throws IOException {
        if (!"POST".equals(exchange.getRequestMethod())) {
            return error(exchange, 405, "method-not-allowed", "use POST", null);
        }
        Map<String, String> params = queryParams(exchange.getRequestURI());
        String contentType = exchange.getRequestHeaders().getFirst("Content-Type");
        boolean multipart = MultipartBody.isMultipart(contentType);
        Body body = readBody(exchange, maxBytes + (multipart ? MULTIPART_OVERHEAD : 0));
        if (body.overLimit()) {
            return rejected(exchange, ingestor.reject(DeadLetterReason.TOO_MANY_BYTES, "the request body exceeds the limit of "
                    + maxBytes + " bytes", Ingestor.newImageId(), body.bytes()));
        }
        byte[] image = body.bytes();
        String filename = null;
        if (multipart) {
            MultipartBody form;
            try {
                form = MultipartBody.parse(contentType, body.bytes());
            } catch (IllegalArgumentException e) {
                return rejected(exchange, ingestor.reject(DeadLetterReason.MISSING_IMAGE, "malformed multipart body: "
                        + e.getMessage(), Ingestor.newImageId(), body.bytes()));
            }
            form.parts().stream().filter(p -> !p.isFile() && p.name() != null)
                    .forEach(p -> params.putIfAbsent(p.name(), p.text().trim()));
            Optional<MultipartBody.Part> file = form.imagePart();
            if (file.isEmpty()) {
                return rejected(exchange, ingestor.reject(DeadLetterReason.MISSING_IMAGE,
                        "the multipart form has no file part (send the image as field 'file')", Ingestor.newImageId(),
                        body.bytes()));
            }
            image = file.get().data();
            filename = file.get().filename();
        }
        String imageId = params.getOrDefault("imageId", null);
        Integer label = null;
        String labelText = params.get("label");
        if (labelText != null && !labelText.isEmpty()) {
            try {
                label = Integer.valueOf(labelText.trim());
            } catch (NumberFormatException e) {
                return rejected(exchange, ingestor.reject(DeadLetterReason.BAD_LABEL, "label '" + abbreviate(labelText)
                        + "' is not an integer class index", imageId == null ? Ingestor.newImageId() : imageId, image));
            }
        }
        Map<String, String> attributes = filename == null || filename.isEmpty() ? Map.of() : Map.of("filename", filename);
        IngestOutcome outcome = ingestor.ingest(new ImageSubmission(image, "http", "http", label, imageId, null, attributes));
        if (outcome instanceof IngestOutcome.Accepted accepted) {
            outcome.await();
            ObjectNode response = json.createObjectNode()
                    .put("imageId", accepted.imageId())
                    .put("format", accepted.info().format().code())
                    .put("width", accepted.info().width())
                    .put("height", accepted.info().height())
                    .put("channels", accepted.info().channels());
            if (label != null) {
                response.put("label", label);
            }
            return respond(exchange, 201, response);
        }
        return rejected(exchange, (IngestOutcome.Rejected) outcome);
    }

    private int postLabel(HttpExchange exchange) throws IOException {
        if (!"POST".equals(exchange.getRequestMethod())) {
            return error(exchange, 405, "method-not-allowed", "use POST", null);
        }
        Map<String, String> params = queryParams(exchange.getRequestURI());
        Body body = readBody(exchange, 64 * 1024);
        String contentType = String.valueOf(exchange.getRequestHeaders().getFirst("Content-Type"));
        if (body.overLimit()) {
            return rejected(exchange, ingestor.reject(DeadLetterReason.TOO_MANY_BYTES, "a label request over 64 KiB",
                    Ingestor.newImageId(), body.bytes()));
        }
        if (body.bytes().length > 0) {
            if (contentType.startsWith("application/json")) {
                try {
                    JsonNode node = json.readTree(body.bytes());
                    node.properties().forEach(f -> params.putIfAbsent(f.getKey(), f.getValue().asText()));
                } catch (IOException e) {
                    return rejected(exchange, ingestor.reject(DeadLetterReason.BAD_LABEL, "the body is not JSON: "
                            + e.getMessage().lines().findFirst().orElse(""), Ingestor.newImageId(), body.bytes()));
                }
            } else if (contentType.startsWith("application/x-www-form-urlencoded")) {
                params.putAll(parseForm(new String(body.bytes(), StandardCharsets.UTF_8)));
            }
        }
        String imageId = params.get("imageId");
        String labelText = params.get("label");
        if (imageId == null || imageId.isBlank() || labelText == null) {
            return rejected(exchange, ingestor.reject(DeadLetterReason.BAD_LABEL, "a label needs 'imageId' and 'label'",
                    Ingestor.newImageId(), body.bytes()));
        }
        int label;
        try {
            label = Integer.parseInt(labelText.trim());
            ingestor.label(imageId, label, "http", params.get("user")).get();
        } catch (NumberFormatException e) {
            return rejected(exchange, ingestor.reject(DeadLetterReason.BAD_LABEL, "label '" + abbreviate(labelText)
                    + "' is not an integer class index", Ingestor.newImageId(), body.bytes()));
        } catch (IllegalArgumentException e) {
            return rejected(exchange, ingestor.reject(DeadLetterReason.BAD_LABEL, e.getMessage(), Ingestor.newImageId(),
                    body.bytes()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause().getMessage(), e.getCause());
        }
        return respond(exchange, 201, json.createObjectNode().put("imageId", imageId).put("label", label));
    }

    private int rejected(HttpExchange exchange, IngestOutcome.Rejected rejected) throws IOException {
        rejected.await();
        return error(exchange, statusFor(rejected.reason()), rejected.reason().code(), rejected.detail(), rejected.imageId());
    }

    /** 413 for size, 415 for format, 400 for a malformed request, 422 for an image we understood but refuse. */
    static int statusFor(DeadLetterReason reason) {
        return switch (reason) {
            case TOO_MANY_BYTES -> 413;
            case UNSUPPORTED_FORMAT -> 415;
            case EMPTY, MISSING_IMAGE, BAD_LABEL, MALFORMED_EVENT -> 400;
            default -> 422;
        };
    }

    private int error(HttpExchange exchange, int status, String reason, String detail, String imageId) throws IOException {
        ObjectNode body = json.createObjectNode().put("reason", reason).put("detail", detail);
        if (imageId != null) {
            body.put("imageId", imageId);
        }
        return respond(exchange, status, body);
    }

    private int respond(HttpExchange exchange, int status, ObjectNode body) throws IOException {
        byte[] bytes = json.writeValueAsBytes(body);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
        return status;
    }

    /** The body, or its first {@code limit + 1} bytes when it is longer (then {@code overLimit}). */
    record Body(byte[] bytes, boolean overLimit) {
    }

    private static Body readBody(HttpExchange exchange, long limit) throws IOException {
        String declared = exchange.getRequestHeaders().getFirst("Content-Length");
        long cap = Math.min(limit + 1, Integer.MAX_VALUE - 16);
        try (InputStream in = exchange.getRequestBody()) {
            ByteArrayOutputStream out = new ByteArrayOutputStream(declared == null ? 8192
                    : (int) Math.min(cap, Math.max(0, parseLong(declared))));
            byte[] buffer = new byte[16 * 1024];
            long total = 0;
            int n;
            while (total < cap && (n = in.read(buffer, 0, (int) Math.min(buffer.length, cap - total))) > 0) {
                out.write(buffer, 0, n);
                total += n;
            }
            return new Body(out.toByteArray(), total > limit);
        }
    }

    private static long parseLong(String s) {
        try {
            return Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    static Map<String, String> queryParams(URI uri) {
        String query = uri.getRawQuery();
        return query == null ? new HashMap<>() : parseForm(query);
    }

    static Map<String, String> parseForm(String text) {
        Map<String, String> params = new HashMap<>();
        for (String pair : text.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            params.putIfAbsent(key, value);
        }
        return params;
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "...";
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
