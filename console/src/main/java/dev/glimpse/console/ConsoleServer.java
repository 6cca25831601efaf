package dev.glimpse.console;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.glimpse.contracts.TopicCatalog;
import dev.glimpse.contracts.events.Explanation;
import dev.glimpse.contracts.events.ImageEvent;
import dev.glimpse.contracts.events.Label;
import dev.glimpse.platform.kafka.ImageCache;
import dev.glimpse.contracts.OnDemandExplainer;
import dev.glimpse.explain.methods.Methods;
import dev.glimpse.platform.kafka.SideFeed;
import dev.glimpse.registry.artifacts.ArtifactStore;
import dev.glimpse.registry.artifacts.InvalidArtifactIdException;
import dev.glimpse.platform.GlimpseService;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The web console: a live gallery of recent predictions (server-sent events) with thumbnails, top-k, heatmap
 * overlays, guided Grad-CAM and feature maps; filters; a label control per card that publishes a Label event;
 * "explain with…" on demand; and a model page (inspect table, architecture SVG, filters, activation
 * maximisation). Everything is served by this process (no CDN). Write endpoints require
 * {@code Authorization: Bearer <token>} when a token is configured. Artifacts are served only from the artifact
 * store through validated ids, images only by validated image ids from the in-memory cache.
 */
public final class ConsoleServer implements GlimpseService {

    private static final Logger LOG = LoggerFactory.getLogger(ConsoleServer.class);
    private static final Pattern IMAGE_ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");
    private static final int MAX_BODY = 16 * 1024;
    private static final int MAX_UPLOAD = 8 << 20;
    private static final Pattern LAYER = Pattern.compile("[A-Za-z0-9_./:;\\-]{1,256}");
    private static final String CSP = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            + "connect-src 'self'; frame-ancestors 'none'";

    private final ConsoleConfig config;
    private final ArtifactStore store;
    private final OnDemandExplainer explainer;
    private final ObjectMapper json = new ObjectMapper();
    private final EventStream events = new EventStream();
    private final Gallery gallery;
    /** Recent inputs: at 200 images/s of 1–30 kB, 20,000 images are 100 s of stream, enough for cards to render. */
    private final ImageCache images = new ImageCache(20_000, 128L << 20);
    private final KeptInputs kept;
    private final ModelPage modelPage;
    private final PipelineRates rates = new PipelineRates(5_000, 360);
    private final MonitoringBoard board = new MonitoringBoard(rates, 20_000, 50);
    private final ConsolePages pages;
    private final SideFeed feed;
    private final SideFeed monitoringFeed;
    private HttpServer server;
    private ExecutorService executor;
    private KafkaProducer<byte[], byte[]> labelProducer;
    private volatile boolean running;

    /**
     * @param store     the explain worker's artifact store (read here)
     * @param explainer on-demand explanations (the explain worker), or null when none runs in this process
     */
    public ConsoleServer(ConsoleConfig config, ArtifactStore store, OnDemandExplainer explainer) {
        this.config = config;
        this.store = store;
        this.explainer = explainer;
        this.kept = new KeptInputs(images, new ImageCache(2 * config.maxCards(), 64L << 20), store);
        this.gallery = new Gallery(json, config.maxCards(), card -> events.broadcast("card", card.toString()), kept);
        Path model = config.modelPath() != null && Files.isRegularFile(config.modelPath()) ? config.modelPath() : null;
        this.modelPage = new ModelPage(model);
        this.pages = new ConsolePages(json, gallery, board, modelPage, explainer != null, explainer != null && explainer.choosesLayers());
        TopicCatalog c = config.catalog();
        this.feed = new SideFeed("console-feed", config.bootstrapServers(), config.lookback())
                .route(c.images(), (k, v) -> images.put(v), false)
                .route(c.predictions(), (k, v) -> {
                    if (!v.getShadow()) {
                        rates.prediction(v.getPredictedAtMs(), v.hasTimings() ? v.getTimings().getEndToEndMs() : -1);
                    }
                    gallery.onPrediction(v);
                }, false)
                .route(c.explanations(), (k, v) -> {
                    rates.explanation(v.getExplainedAtMs());
                    gallery.onExplanation(v);
                }, false)
                .route(c.labels(), (k, v) -> gallery.onLabel(v), false);
        // a feed of its own: the gallery must not wait for topics that only exist once monitoring or training ran
        this.monitoringFeed = new SideFeed("console-monitoring-feed", config.bootstrapServers(), config.lookback())
                .route(c.drift(), (k, v) -> board.onDrift(v), false)
                .route(c.models(), (k, v) -> board.onModel(v), true)
                .route(c.deadletter(), (k, v) -> board.onDeadLetter(v), false);
    }

    /** The demo's one-liner: console on {@code port} over the worker's artifact store, on-demand via the worker. */
    public static ConsoleServer create(String bootstrapServers, TopicCatalog catalog, Path modelPath, ArtifactStore store,
                                       int port, OnDemandExplainer explainer) {
        return new ConsoleServer(ConsoleConfig.defaults(bootstrapServers, catalog, port, modelPath), store, explainer);
    }

    @Override
    public String name() {
        return "console";
    }

    /** The bound port (useful with port 0). */
    public int port() {
        return server.getAddress().getPort();
    }

    public String url() {
        String host = config.bindAddress().equals("0.0.0.0") ? "localhost" : config.bindAddress();
        return "http://" + host + ":" + port() + "/";
    }

    @Override
    public synchronized void start() throws IOException {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.CLIENT_ID_CONFIG, config.catalog().prefix() + "console-labels");
        labelProducer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
        server = HttpServer.create(new InetSocketAddress(config.bindAddress(), config.port()), 64);
        executor = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "console-http");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
        running = true;
        feed.start();
        monitoringFeed.start();
        Thread precompute = new Thread(modelPage::precompute, "console-model-page");
        precompute.setDaemon(true);
        precompute.start();
        LOG.info("console on {} ({})", url(), config.token() == null ? "write endpoints open: no token configured"
                : "write endpoints need a bearer token");
    }

    private void handle(HttpExchange ex) throws IOException {
        try {
            route(ex);
        } catch (HttpError e) {
            sendJson(ex, e.status, error(e.getMessage()));
        } catch (InvalidArtifactIdException e) {
            sendJson(ex, 400, error(e.getMessage()));
        } catch (Exception e) {
            LOG.warn("console {} {} failed: {}", ex.getRequestMethod(), ex.getRequestURI(), e.toString());
            sendJson(ex, 500, error(e.getClass().getSimpleName() + ": " + e.getMessage()));
        } finally {
            if (!"/api/events".equals(ex.getRequestURI().getPath())) {
                ex.close();
            }
        }
    }

    private static final class HttpError extends RuntimeException {
        final int status;

        HttpError(int status, String message) {
            super(message);
            this.status = status;
        }
    }

    private void route(HttpExchange ex) throws Exception {
        String path = ex.getRequestURI().getRawPath();
        String method = ex.getRequestMethod();
        if (method.equals("POST")) {
            requireToken(ex);
            switch (path) {
                case "/api/labels" -> postLabel(ex);
                case "/api/explain" -> postExplain(ex);
                case "/api/model/filter-responses" -> {
                    requireModel();
                    byte[] image;
                    try (InputStream in = ex.getRequestBody()) {
                        image = in.readNBytes(MAX_UPLOAD + 1);
                    }
                    if (image.length > MAX_UPLOAD) {
                        throw new HttpError(413, "image over " + MAX_UPLOAD + " bytes");
                    }
                    send(ex, 200, "image/png", filterResponses(image));
                }
                case "/api/admin/evict" -> {
                    store.evict();
                    ObjectNode o = json.createObjectNode();
                    o.put("artifacts", store.count());
                    o.put("bytes", store.totalBytes());
                    sendJson(ex, 200, o);
                }
                default -> throw new HttpError(404, "no such endpoint: POST " + path);
            }
            return;
        }
        if (!method.equals("GET") && !method.equals("HEAD")) {
            throw new HttpError(405, "method " + method + " not allowed");
        }
        if (path.startsWith("/artifacts/")) {
            String id = path.substring("/artifacts/".length());
            Optional<Path> file = store.open(id); // validates the id: 400 on anything but <sha256>.<ext>
            if (file.isEmpty()) {
                throw new HttpError(404, "no artifact " + id + " (never stored or evicted)");
            }
            var aid = dev.glimpse.registry.artifacts.ArtifactId.parse(id);
            ex.getResponseHeaders().set("Cache-Control", "public, max-age=31536000, immutable");
            send(ex, 200, aid.contentType(), Files.readAllBytes(file.get()));
            return;
        }
        if (path.startsWith("/images/")) {
            String id = path.substring("/images/".length());
            if (!IMAGE_ID.matcher(id).matches()) {
                throw new HttpError(400, "invalid image id");
            }
            ImageEvent img = kept.get(id).orElseThrow(() -> new HttpError(404, "image " + id + " is not cached"));
            String type = switch (img.getContentType()) {
                case "image/png", "image/jpeg", "image/gif", "image/bmp" -> img.getContentType();
                default -> "application/octet-stream";
            };
            send(ex, 200, type, img.getData().toByteArray());
            return;
        }
        Optional<ConsolePages.Response> page = pages.get(path);
        if (page.isPresent()) {
            send(ex, page.get().status(), page.get().type(), page.get().body());
            return;
        }
        switch (path) {
            case "/", "/index.html" -> resource(ex, "index.html", "text/html; charset=utf-8");
            case "/model" -> resource(ex, "model.html", "text/html; charset=utf-8");
            case "/static/console.js" -> resource(ex, "console.js", "text/javascript; charset=utf-8");
            case "/static/model.js" -> resource(ex, "model.js", "text/javascript; charset=utf-8");
            case "/static/console.css" -> resource(ex, "console.css", "text/css; charset=utf-8");
            case "/api/events" -> events.subscribe(ex);
            case "/api/cards" -> sendJson(ex, 200, gallery.cards(filter(query(ex)), limit(query(ex))));
            case "/api/meta" -> {
                ObjectNode m = gallery.meta();
                ArrayNode methods = m.putArray("methods");
                Methods.names().forEach(methods::add);
                m.put("tokenRequired", config.token() != null);
                m.put("onDemand", explainer != null);
                sendJson(ex, 200, m);
            }
            case "/api/model" -> {
                requireModel();
                send(ex, 200, "application/json", modelPage.inspectJson().getBytes(StandardCharsets.UTF_8));
            }
            case "/api/model/architecture.svg" -> {
                requireModel();
                send(ex, 200, "image/svg+xml", modelPage.svg().getBytes(StandardCharsets.UTF_8));
            }
            case "/api/model/filters.png" -> {
                requireModel();
                send(ex, 200, "image/png", modelPage.filtersPng());
            }
            case "/api/model/filter-responses.png" -> {
                requireModel();
                String id = query(ex).getOrDefault("image", "");
                if (!IMAGE_ID.matcher(id).matches()) {
                    throw new HttpError(400, "image must be an image id");
                }
                ImageEvent img = kept.get(id).orElseThrow(() -> new HttpError(404, "image " + id + " is not cached"));
                send(ex, 200, "image/png", filterResponses(img.getData().toByteArray()));
            }
            case "/api/model/activation-max.png" -> {
                requireModel();
                try {
                    send(ex, 200, "image/png", modelPage.activationMaxPng());
                } catch (UnsupportedOperationException e) {
                    throw new HttpError(503, "activation maximisation unavailable: " + e.getMessage());
                }
            }
            default -> throw new HttpError(404, "not found: " + path);
        }
    }

    private byte[] filterResponses(byte[] image) throws Exception {
        try {
            return modelPage.filterResponsesPng(image);
        } catch (IllegalArgumentException e) {
            throw new HttpError(400, "not an image the model's preprocessing can read: " + e.getMessage());
        }
    }

    private void requireModel() {
        if (!modelPage.available()) {
            throw new HttpError(404, "the console has no model file configured");
        }
    }

    /** 401 unless the request carries the configured bearer token (compared in constant time). */
    private void requireToken(HttpExchange ex) {
        if (config.token() == null) {
            return;
        }
        String h = ex.getRequestHeaders().getFirst("Authorization");
        byte[] given = h != null && h.startsWith("Bearer ") ? h.substring(7).trim().getBytes(StandardCharsets.UTF_8) : new byte[0];
        if (!MessageDigest.isEqual(given, config.token().getBytes(StandardCharsets.UTF_8))) {
            ex.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"glimpse\"");
            throw new HttpError(401, "this endpoint needs Authorization: Bearer <token>");
        }
    }

    private void postLabel(HttpExchange ex) throws Exception {
        JsonNode body = body(ex);
        String imageId = body.path("imageId").asText("");
        if (!IMAGE_ID.matcher(imageId).matches()) {
            throw new HttpError(400, "imageId must match " + IMAGE_ID.pattern());
        }
        if (!body.path("label").canConvertToInt() || body.path("label").asInt() < 0) {
            throw new HttpError(400, "label must be a class index >= 0");
        }
        int label = body.path("label").asInt();
        int classes = gallery.classCount();
        if (classes > 0 && label >= classes) {
            throw new HttpError(400, "label " + label + " is outside the model's classes 0.." + (classes - 1));
        }
        String user = body.path("user").asText("console");
        Label l = Label.newBuilder().setImageId(imageId).setLabel(label).setSource("console")
                .setUser(user.length() > 64 ? user.substring(0, 64) : user).setLabeledAtMs(System.currentTimeMillis()).build();
        labelProducer.send(new ProducerRecord<>(config.catalog().labels().name(), imageId.getBytes(StandardCharsets.UTF_8),
                l.toByteArray())).get(30, TimeUnit.SECONDS);
        gallery.onLabel(l);
        ObjectNode o = json.createObjectNode();
        o.put("imageId", imageId);
        o.put("label", label);
        o.put("topic", config.catalog().labels().name());
        sendJson(ex, 202, o);
    }

    private void postExplain(HttpExchange ex) throws Exception {
        if (explainer == null) {
            throw new HttpError(503, "no explain worker runs with this console");
        }
        JsonNode body = body(ex);
        String imageId = body.path("imageId").asText("");
        if (!IMAGE_ID.matcher(imageId).matches()) {
            throw new HttpError(400, "imageId must match " + IMAGE_ID.pattern());
        }
        List<String> methods = new java.util.ArrayList<>();
        if (body.path("methods").isArray()) {
            body.path("methods").forEach(m -> methods.add(m.asText()));
        } else if (body.hasNonNull("method")) {
            methods.add(body.path("method").asText());
        }
        for (String m : methods) {
            if (!Methods.names().contains(m)) {
                throw new HttpError(400, "unknown method '" + m + "'");
            }
        }
        if (methods.isEmpty()) {
            throw new HttpError(400, "give a method or methods");
        }
        int target = body.path("target").asInt(-1);
        String layer = body.hasNonNull("layer") && !body.path("layer").asText().isEmpty() ? body.path("layer").asText() : null;
        if (layer != null && !LAYER.matcher(layer).matches()) {
            throw new HttpError(400, "layer must be an ONNX tensor name (" + LAYER.pattern() + ")");
        }
        List<Explanation> done;
        try {
            done = explainer.explain(imageId, methods, target, layer).get(120, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof IllegalArgumentException iae) {
                throw new HttpError(404, iae.getMessage());
            }
            if (e.getCause() instanceof UnsupportedOperationException uoe) {
                throw new HttpError(501, uoe.getMessage());
            }
            throw e;
        } catch (TimeoutException e) {
            throw new HttpError(504, "the explanation did not finish within 120 s");
        }
        if (done.isEmpty()) {
            throw new HttpError(422, "the explain worker produced no explanation (its dead letter says why: a layer that is not a"
                    + " 4-D activation, or a method the model cannot take)");
        }
        ArrayNode out = json.createArrayNode();
        for (Explanation e : done) {
            gallery.onExplanation(e);
            ObjectNode o = out.addObject();
            o.put("imageId", e.getImageId());
            o.put("method", e.getArtifacts(0).getMethod());
            o.put("layer", e.getLayer());
            o.put("image", "/artifacts/" + dev.glimpse.registry.artifacts.ArtifactId.fromUri(e.getArtifacts(0).getImageUri()).id());
        }
        sendJson(ex, 200, out);
    }

    private JsonNode body(HttpExchange ex) throws IOException {
        try (InputStream in = ex.getRequestBody()) {
            byte[] b = in.readNBytes(MAX_BODY + 1);
            if (b.length > MAX_BODY) {
                throw new HttpError(413, "request body over " + MAX_BODY + " bytes");
            }
            try {
                JsonNode n = json.readTree(b);
                if (n == null || !n.isObject()) {
                    throw new HttpError(400, "expected a JSON object");
                }
                return n;
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new HttpError(400, "malformed JSON: " + e.getOriginalMessage());
            }
        }
    }

    private static Map<String, String> query(HttpExchange ex) {
        Map<String, String> q = new HashMap<>();
        String raw = ex.getRequestURI().getRawQuery();
        if (raw != null) {
            for (String kv : raw.split("&")) {
                int eq = kv.indexOf('=');
                if (eq > 0) {
                    q.put(URLDecoder.decode(kv.substring(0, eq), StandardCharsets.UTF_8),
                            URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8));
                }
            }
        }
        return q;
    }

    private static Gallery.Filter filter(Map<String, String> q) {
        try {
            Integer cls = q.containsKey("class") && !q.get("class").isEmpty() ? Integer.valueOf(q.get("class")) : null;
            Double below = q.containsKey("below") && !q.get("below").isEmpty() ? Double.valueOf(q.get("below")) : null;
            boolean mis = "true".equals(q.get("misclassified"));
            String version = q.containsKey("version") && !q.get("version").isEmpty() ? q.get("version") : null;
            return new Gallery.Filter(cls, below, mis, version, "true".equals(q.get("explained")));
        } catch (NumberFormatException e) {
            throw new HttpError(400, "bad filter value: " + e.getMessage());
        }
    }

    private static int limit(Map<String, String> q) {
        try {
            return Math.max(1, Math.min(1000, Integer.parseInt(q.getOrDefault("limit", "200"))));
        } catch (NumberFormatException e) {
            throw new HttpError(400, "limit must be an integer");
        }
    }

    private void resource(HttpExchange ex, String name, String type) throws IOException {
        try (InputStream in = ConsoleServer.class.getResourceAsStream("/console/" + name)) {
            if (in == null) {
                throw new HttpError(404, "missing resource " + name);
            }
            send(ex, 200, type, in.readAllBytes());
        }
    }

    private ObjectNode error(String message) {
        ObjectNode o = json.createObjectNode();
        o.put("error", message);
        return o;
    }

    private void sendJson(HttpExchange ex, int status, JsonNode body) throws IOException {
        send(ex, status, "application/json", json.writeValueAsBytes(body));
    }

    private static void send(HttpExchange ex, int status, String type, byte[] body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", type);
        ex.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
        ex.getResponseHeaders().set("Content-Security-Policy", CSP);
        boolean head = ex.getRequestMethod().equals("HEAD");
        ex.sendResponseHeaders(status, head ? -1 : body.length);
        if (!head) {
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        }
    }

    /** Serving HTTP: started and not closed. */
    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public synchronized void close() {
        running = false;
        feed.close();
        monitoringFeed.close();
        events.close();
        if (server != null) {
            server.stop(0);
        }
        if (executor != null) {
            executor.shutdownNow();
        }
        if (labelProducer != null) {
            labelProducer.close(Duration.ofSeconds(2));
        }
        modelPage.close();
    }
}
