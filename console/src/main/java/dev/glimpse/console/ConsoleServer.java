package dev.glimpse.console;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.glimpse.contracts.TopicCatalog;
import dev.glimpse.contracts.events.Explanation;
import dev.glimpse.contracts.events.ImageEvent;
import dev.glimpse.contracts.events.Label;
import dev.glimpse.platform.kafka.DeadLetterPublisher;
import dev.glimpse.platform.kafka.DeadLetterReason;
import dev.glimpse.platform.kafka.ImageCache;
import dev.glimpse.platform.kafka.LabelRange;
import dev.glimpse.contracts.OnDemandExplainer;
import dev.glimpse.explain.methods.Methods;
import dev.glimpse.platform.kafka.SideFeed;
import dev.glimpse.registry.artifacts.ArtifactStore;
import dev.glimpse.registry.artifacts.InvalidArtifactIdException;
import dev.glimpse.platform.GlimpseService;
import dev.glimpse.platform.http.BearerAuth;
import dev.glimpse.platform.http.HttpCall;
import dev.glimpse.platform.http.HttpError;
import dev.glimpse.platform.http.HttpServer;
import dev.glimpse.platform.http.OriginPolicy;
import dev.glimpse.platform.http.RequestFilter;
import dev.glimpse.platform.http.Routes;
import dev.glimpse.registry.artifacts.ArtifactId;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The web console: a live gallery of recent predictions (server-sent events) with thumbnails, top-k, heatmap
 * overlays, guided Grad-CAM and feature maps; filters; a label control per card that publishes a Label event;
 * "explain with…" on demand; and a model page (inspect table, architecture SVG, filters, activation
 * maximisation). Everything is served by this process (no CDN). Write endpoints require
 * {@code Authorization: Bearer <token>} (unless --no-auth), {@code application/json} and a same-origin or allow-listed
 * {@code Origin}; the {@code Host} must name this server. Artifacts are served only from the artifact
 * store through validated ids, images only by validated image ids from the in-memory cache.
 */
public final class ConsoleServer implements GlimpseService {

    private static final Logger LOG = LoggerFactory.getLogger(ConsoleServer.class);
    private static final Pattern IMAGE_ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");
    private static final int MAX_BODY = 16 * 1024;
    private static final int MAX_UPLOAD = 8 << 20;
    private static final Pattern LAYER = Pattern.compile("[A-Za-z0-9_./:;\\-]{1,256}");
    private static final String HTML = "text/html; charset=utf-8";
    private static final String JS = "text/javascript; charset=utf-8";
    private static final String CSP = "default-src 'self'; img-src 'self' data:%s; style-src 'self'; script-src 'self'; "
            + "connect-src 'self'%s; frame-ancestors 'none'";

    private final ConsoleConfig config;
    private final ArtifactStore store;
    /** The Content-Security-Policy: the bucket's origin is allowed for images when artifacts are redirected there. */
    private final String csp;
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
    /** The classes a posted label may name: the serving model's, as announced on {@code models}. */
    private final LabelRange labels;
    private HttpServer server;
    private final MeterRegistry registry;
    private Producer<byte[], byte[]> labelProducer;
    /** Refused labels go to the dead-letter topic through the label producer, as ingest's do. */
    private DeadLetterPublisher deadLetters;
    private volatile boolean running;

    /**
     * @param store     the explain worker's artifact store (read here)
     * @param explainer on-demand explanations (the explain worker), or null when none runs in this process
     * @param registry  where the console counts its dead letters ({@code glimpse_deadletter_total{stage="console"}})
     */
    public ConsoleServer(ConsoleConfig config, ArtifactStore store, OnDemandExplainer explainer, MeterRegistry registry) {
        this.config = config;
        this.registry = Objects.requireNonNull(registry, "registry");
        this.store = store;
        this.explainer = explainer;
        String bucket = store.redirectOrigin().map(o -> " " + o).orElse("");
        this.csp = String.format(CSP, bucket, bucket);
        this.kept = new KeptInputs(images, new ImageCache(2 * config.maxCards(), 64L << 20), store);
        this.gallery = new Gallery(json, config.maxCards(), card -> events.broadcast("card", card.toString()), kept);
        Path model = config.modelPath() != null && Files.isRegularFile(config.modelPath()) ? config.modelPath() : null;
        this.modelPage = new ModelPage(model);
        this.pages = new ConsolePages(json, gallery, board, modelPage, explainer != null,
                explainer != null && explainer.choosesLayers());
        this.labels = LabelRange.fixed(config.labelClasses(), ConsoleConfig.LABEL_CLASSES);
        TopicCatalog c = config.catalog();
        this.feed = new SideFeed("console-feed", config.kafka(), config.lookback())
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
        this.monitoringFeed = new SideFeed("console-monitoring-feed", config.kafka(), config.lookback())
                .route(c.drift(), (k, v) -> board.onDrift(v), false)
                .route(c.models(), (k, v) -> {
                    board.onModel(v);
                    labels.announced(v);
                }, true)
                .route(c.deadletter(), (k, v) -> board.onDeadLetter(v), false);
    }

    /**
     * The demo's one-liner: console on {@code port} over the worker's artifact store, on-demand via the worker, write
     * endpoints guarded by {@code auth}.
     */
    public static ConsoleServer create(String bootstrapServers, TopicCatalog catalog, Path modelPath, ArtifactStore store,
                                       int port, OnDemandExplainer explainer, BearerAuth auth, MeterRegistry registry) {
        return new ConsoleServer(ConsoleConfig.defaults(bootstrapServers, catalog, port, modelPath).withAuth(auth), store,
                explainer, registry);
    }

    @Override
    public String name() {
        return "console";
    }

    /** The bound port (useful with port 0). */
    public int port() {
        return server.port();
    }

    /** Where a browser on this host opens the console. */
    public String url() {
        return server.uri() + "/";
    }

    @Override
    public synchronized void start() throws IOException {
        modelPage.prepareInBackground();
        labelProducer = config.kafka().producer(config.catalog().prefix() + "console-labels");
        deadLetters = new DeadLetterPublisher(labelProducer, config.catalog().deadletter(), registry, name());
        if (config.auth() == null) {
            throw new IllegalStateException("console: no bearer token configured for its write endpoints ("
                    + BearerAuth.TOKEN + ", --token-file or $" + BearerAuth.TOKEN_VARIABLE + "; --no-auth to go without)");
        }
        RequestFilter headers = this::securityHeaders;
        server = HttpServer.builder("console", config.http()).port(config.port()).routes(routes())
                .filter(headers.then(new OriginPolicy(config.http())).then(config.auth()).then(ConsoleServer::jsonWrites))
                .start();
        running = true;
        feed.start();
        monitoringFeed.start();
        LOG.info("console on {} ({})", server.boundAddress(), config.auth().enabled()
                ? "write endpoints need a bearer token" : "write endpoints open: --no-auth");
    }

    /** The console's route table: pages, static files, read-only JSON, images and artifacts, then the write endpoints. */
    Routes routes() {
        Routes routes = new Routes();
        for (String pattern : ConsolePages.PATTERNS) {
            routes.get(pattern, this::page);
        }
        return routes
                .get("/", c -> resource(c, "index.html", HTML))
                .get("/index.html", c -> resource(c, "index.html", HTML))
                .get("/model", c -> resource(c, "model.html", HTML))
                .get("/static/console.js", c -> resource(c, "console.js", JS))
                .get("/static/auth.js", c -> resource(c, "auth.js", JS))
                .get("/static/model.js", c -> resource(c, "model.js", JS))
                .get("/static/console.css", c -> resource(c, "console.css", "text/css; charset=utf-8"))
                .get("/api/events", events::subscribe)
                .get("/api/cards", c -> c.sendJson(200, gallery.cards(filter(c), limit(c))))
                .get("/api/meta", this::meta)
                .get("/api/model", c -> c.send(200, "application/json", bytes(model().inspectJson())))
                .get("/api/model/architecture.svg", c -> c.send(200, "image/svg+xml", bytes(model().svg())))
                .get("/api/model/filters.png", c -> c.send(200, "image/png", model().filtersPng()))
                .get("/api/model/activation-max.png", this::activationMax)
                .get("/api/model/filter-responses.png", this::filterResponsesOfCached)
                .get("/artifacts/{id...}", this::artifact)
                .get("/images/{id...}", this::image)
                .post("/api/labels", this::postLabel, r -> r.maxBody(MAX_BODY))
                .post("/api/explain", this::postExplain, r -> r.maxBody(MAX_BODY))
                .post("/api/model/filter-responses", c -> c.send(200, "image/png", filterResponses(c.body())),
                        r -> r.maxBody(MAX_UPLOAD))
                .post("/api/admin/evict", this::evict, r -> r.maxBody(MAX_BODY));
    }

    private boolean securityHeaders(HttpCall call) {
        call.setHeader("Content-Security-Policy", csp);
        return true;
    }

    /** CSRF: a state-changing request is JSON (a cross-site form or text/plain post cannot be). */
    private static boolean jsonWrites(HttpCall call) {
        // the one write that takes an image: an upload for the model page's filter responses (token still required)
        boolean imageUpload = call.path().equals("/api/model/filter-responses");
        if (!call.method().equals("GET") && !call.method().equals("HEAD") && !imageUpload
                && !call.hasContentType("application/json")) {
            throw new HttpError(415, "unsupported-media-type", call.method() + " " + call.path()
                    + " takes Content-Type: application/json", Map.of());
        }
        return true;
    }

    private void meta(HttpCall call) {
        ObjectNode m = gallery.meta();
        ArrayNode methods = m.putArray("methods");
        Methods.names().forEach(methods::add);
        m.put("tokenRequired", config.auth().enabled());
        m.put("onDemand", explainer != null);
        m.put("modelPageReady", modelPage.ready());
        call.sendJson(200, m);
    }

    /** The read-only pages of {@link ConsolePages}: prediction, monitoring, colour bar, their scripts and uPlot. */
    private void page(HttpCall call) throws IOException {
        ConsolePages.Response r = pages.get(call.path())
                .orElseThrow(() -> new HttpError(404, "not found: " + call.path()));
        call.send(r.status(), r.type(), r.body());
    }

    /** Filter responses to a recent input of the stream. */
    private void filterResponsesOfCached(HttpCall call) throws Exception {
        String id = call.queryParams().getOrDefault("image", "");
        if (!IMAGE_ID.matcher(id).matches()) {
            throw new HttpError(400, "image must be an image id");
        }
        ImageEvent img = kept.get(id).orElseThrow(() -> new HttpError(404, "image " + id + " is not cached"));
        call.send(200, "image/png", filterResponses(img.getData().toByteArray()));
    }

    private byte[] filterResponses(byte[] image) throws Exception {
        try {
            return model().filterResponsesPng(image);
        } catch (IllegalArgumentException e) {
            throw new HttpError(400, "not an image the model's preprocessing can read: " + e.getMessage());
        }
    }

    private void activationMax(HttpCall call) throws Exception {
        try {
            call.send(200, "image/png", model().activationMaxPng());
        } catch (UnsupportedOperationException e) {
            throw new HttpError(503, "activation maximisation unavailable: " + e.getMessage());
        }
    }

    private void artifact(HttpCall call) throws IOException {
        String id = call.pathParam("id");
        try {
            // past the auth filter: a redirect is answered only where the artifact itself would be
            Optional<URI> elsewhere = store.redirect(ArtifactId.parse(id)); // 400 on anything but <sha256>.<ext>
            if (elsewhere.isPresent()) {
                // the signed URL expires, so this answer is not cached (the artifact's own bytes never change)
                call.setHeader("Location", elsewhere.get().toString());
                call.setHeader("Cache-Control", "no-store");
                call.sendEmpty(307);
                return;
            }
            Optional<Path> file = store.open(id);
            if (file.isEmpty()) {
                throw new HttpError(404, "no artifact " + id + " (never stored or evicted)");
            }
            ArtifactId aid = ArtifactId.parse(id);
            call.setHeader("Cache-Control", "public, max-age=31536000, immutable");
            call.send(200, aid.contentType(), Files.readAllBytes(file.get()));
        } catch (InvalidArtifactIdException e) {
            throw new HttpError(400, e.getMessage());
        }
    }

    private void image(HttpCall call) {
        String id = call.pathParam("id");
        if (!IMAGE_ID.matcher(id).matches()) {
            throw new HttpError(400, "invalid image id");
        }
        ImageEvent img = kept.get(id).orElseThrow(() -> new HttpError(404, "image " + id + " is not cached"));
        String type = switch (img.getContentType()) {
            case "image/png", "image/jpeg", "image/gif", "image/bmp" -> img.getContentType();
            default -> "application/octet-stream";
        };
        call.send(200, type, img.getData().toByteArray());
    }

    private void evict(HttpCall call) {
        store.evict();
        ObjectNode o = json.createObjectNode();
        o.put("artifacts", store.count());
        o.put("bytes", store.totalBytes());
        call.sendJson(200, o);
    }

    private ModelPage model() {
        if (!modelPage.available()) {
            throw new HttpError(404, "the console has no model file configured");
        }
        return modelPage;
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private void postLabel(HttpCall call) throws Exception {
        byte[] raw = call.body();
        JsonNode body;
        try {
            body = body(call);
        } catch (HttpError e) {
            throw refusedLabel(e.getMessage(), null, raw);
        }
        String imageId = body.path("imageId").asText("");
        if (!IMAGE_ID.matcher(imageId).matches()) {
            throw refusedLabel("imageId must match " + IMAGE_ID.pattern(), null, raw);
        }
        if (!body.path("label").canConvertToInt() || body.path("label").asInt() < 0) {
            throw refusedLabel("label must be a class index >= 0, got " + abbreviate(body.path("label").toString()),
                    imageId, raw);
        }
        int label = body.path("label").asInt();
        if (!labels.accepts(label)) {
            throw refusedLabel(labels.problem(label), imageId, raw);
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
        call.sendJson(202, o);
    }

    private void postExplain(HttpCall call) throws Exception {
        if (explainer == null) {
            throw new HttpError(503, "no explain worker runs with this console");
        }
        JsonNode body = body(call);
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
            o.put("image", "/artifacts/" + ArtifactId.fromUri(e.getArtifacts(0).getImageUri()).id());
        }
        call.sendJson(200, out);
    }

    /** The body as a JSON object (the route's body limit is {@link #MAX_BODY}). */
    /**
     * A label the console refuses: a {@code bad-label} dead letter with the request body (the same reason ingest
     * gives), then the 400 naming what was wrong. The dead letter is sent before the answer so a client that saw
     * the 400 finds it on the topic.
     */
    private HttpError refusedLabel(String problem, String imageId, byte[] body) throws Exception {
        deadLetters.publish(DeadLetterReason.BAD_LABEL, problem, imageId, body).get(30, TimeUnit.SECONDS);
        return new HttpError(400, problem);
    }

    private static String abbreviate(String text) {
        return text.length() <= 40 ? text : text.substring(0, 40) + "...";
    }

    private JsonNode body(HttpCall call) {
        try {
            JsonNode n = json.readTree(call.body());
            if (n == null || !n.isObject()) {
                throw new HttpError(400, "expected a JSON object");
            }
            return n;
        } catch (IOException e) {
            throw new HttpError(400, "malformed JSON: " + (e instanceof JsonProcessingException j ? j.getOriginalMessage()
                    : e.getMessage()));
        }
    }

    private static Gallery.Filter filter(HttpCall call) {
        Map<String, String> q = call.queryParams();
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

    private static int limit(HttpCall call) {
        Map<String, String> q = call.queryParams();
        try {
            return Math.max(1, Math.min(1000, Integer.parseInt(q.getOrDefault("limit", "200"))));
        } catch (NumberFormatException e) {
            throw new HttpError(400, "limit must be an integer");
        }
    }

    private void resource(HttpCall call, String name, String type) throws IOException {
        try (InputStream in = ConsoleServer.class.getResourceAsStream("/console/" + name)) {
            if (in == null) {
                throw new HttpError(404, "missing resource " + name);
            }
            call.send(200, type, in.readAllBytes());
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
            server.close();
        }
        if (labelProducer != null) {
            labelProducer.close(Duration.ofSeconds(2));
        }
        modelPage.close();
    }
}
