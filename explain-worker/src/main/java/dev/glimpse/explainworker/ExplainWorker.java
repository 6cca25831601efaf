package dev.glimpse.explainworker;

import dev.glimpse.contracts.OnDemandExplainer;
import dev.glimpse.contracts.TopicCatalog;
import dev.glimpse.contracts.events.Explanation;
import dev.glimpse.contracts.events.Label;
import dev.glimpse.contracts.events.Prediction;
import dev.glimpse.engine.onnx.Onnx;
import dev.glimpse.explainworker.load.ExplainBudget;
import dev.glimpse.explainworker.load.LoadLimits;
import dev.glimpse.explainworker.policy.ExplanationPolicy;
import dev.glimpse.explainworker.policy.PolicySpec;
import dev.glimpse.platform.GlimpseService;
import dev.glimpse.platform.Health;
import dev.glimpse.platform.kafka.ImageCache;
import dev.glimpse.platform.kafka.SideFeed;
import dev.glimpse.registry.artifacts.ArtifactStore;
import dev.glimpse.registry.objectstore.ObjectStore;
import dev.glimpse.registry.objectstore.StoreSettings;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Explains the predictions its {@link ExplanationPolicy} selects (and any requested on demand) with the
 * configured methods, and publishes one {@code explanations} record per (image, model version, method).
 *
 * <p>Join with images: a {@link SideFeed} reads the {@code images} topic (from {@code imageLookback} ago) into a
 * bounded {@link ImageCache}; a prediction waits up to {@code imageWait} for its image, then is dead-lettered
 * as {@code image-unavailable}. Exactly once: each batch (the records of a poll up to the {@code maxBatch}-th
 * selected prediction) is one Kafka transaction holding its explanations, dead letters and consumer offsets; the transactional id is the stable
 * instance id, so a restarted worker aborts what a crashed one left open and re-explains from the last commit.
 * Artifacts are content-addressed, so a re-run after a crash rewrites the same files.
 *
 * <p>Keeping up ({@link ExplainBudget}, {@link LoadLimits}): the random-sampling rate is lowered so that the
 * selected rate stays under the measured capacity (priority selections first); a selected prediction older than
 * {@code explain.max.age.ms} is skipped and counted; {@link #health()} says DEGRADED past the lag or age threshold.
 *
 * <p>This class is the service: its parts are {@link RecordLoop} (the thread), {@link PredictionSelection} (which
 * predictions of a poll to explain), {@link ExplainTransaction} (explain, publish, commit) and the
 * {@link ExplanationEngine} (the explanation of each item and its artifacts).
 */
public final class ExplainWorker implements GlimpseService, OnDemandExplainer {

    private static final Logger LOG = LoggerFactory.getLogger(ExplainWorker.class);

    private final ExplainWorkerConfig config;
    private final ExplanationEngine engine;
    private final ExplainMetrics metrics;
    private final ExplanationPolicy policy;
    private final RecentEvents recent;
    private final ConcurrentLinkedQueue<OnDemandRequest> requests = new ConcurrentLinkedQueue<>();
    private final ConsumerProgress progress;
    private final ExplainBudget budget;
    private final LoadLimits limits;
    private final ExplainTransaction transaction;
    private final SideFeed feed;
    private volatile boolean started;
    private RecordLoop loop;
    private Thread thread;
    private Optional<ObjectStore> sharedStore = Optional.empty();

    /** A worker with the ONNX Runtime engine of the explain library and a filesystem artifact store. */
    public static ExplainWorker create(ExplainWorkerConfig config, MeterRegistry registry) {
        Optional<ObjectStore> shared = config.store().open();
        ModelCatalog models = new ModelCatalog(config.modelPath(), config.store().fetcher(shared));
        ArtifactStore store = new ArtifactStore(config.artifactDir(), config.artifactLimits(), shared.orElse(null));
        ExplainWorker worker = new ExplainWorker(config, new OnnxExplanationEngine(config, models, store), models, registry);
        worker.sharedStore = shared;
        return worker;
    }

    /**
     * The demo's one-liner: explains the predictions {@code policy} selects (gradcam, guided-gradcam, featuremaps;
     * saliency and guided backprop for a model without convolutions, such as the bundled MLP).
     *
     * @param modelPath   the model file the inference worker serves (or a model store root)
     * @param artifactDir where PNG/NPY artifacts go
     * @param device      the ONNX Runtime device of the explanation sessions (null = the config default)
     */
    public static ExplainWorker forModel(String bootstrapServers, TopicCatalog catalog, Path modelPath, Path artifactDir,
                                         MeterRegistry registry, String policy, String device) {
        return forModel(bootstrapServers, catalog, modelPath, artifactDir, registry, policy, device, StoreSettings.local());
    }

    /** {@link #forModel(String, TopicCatalog, Path, Path, MeterRegistry, String, String)} with artifacts also in {@code store}. */
    public static ExplainWorker forModel(String bootstrapServers, TopicCatalog catalog, Path modelPath, Path artifactDir,
                                         MeterRegistry registry, String policy, String device, StoreSettings store) {
        PolicySpec.parse(policy); // rejects a bad spec before anything starts
        ExplainWorkerConfig w = ExplainWorkerConfig.defaults(bootstrapServers, catalog, modelPath, artifactDir)
                .withPolicy(policy).withStore(store);
        if (device != null) {
            w = w.withDevice(device);
        }
        if (!hasConvolution(modelPath)) {
            LOG.warn("model {} has no Conv layer: explaining with saliency and guided backprop instead of {}", modelPath,
                    w.methods());
            w = w.withMethods(List.of("saliency", "guided"), null);
        }
        return create(w, registry);
    }

    /** Whether the ONNX file has a Conv node (true when it cannot be read: the worker reports that itself). */
    public static boolean hasConvolution(Path model) {
        if (model == null || !Files.isRegularFile(model)) {
            return true;
        }
        try (InputStream in = Files.newInputStream(model)) {
            return Onnx.ModelProto.parseFrom(in).getGraph().getNodeList().stream()
                    .anyMatch(n -> n.getOpType().equals("Conv"));
        } catch (IOException e) {
            return true;
        }
    }

    public ExplainWorker(ExplainWorkerConfig config, ExplanationEngine engine, ModelCatalog models, MeterRegistry registry) {
        this.config = config;
        this.engine = engine;
        TopicCatalog catalog = config.catalog();
        this.policy = ExplanationPolicy.parse(config.policy());
        this.metrics = new ExplainMetrics(registry);
        this.limits = config.load();
        this.budget = ExplainBudget.of(config.methods(), limits.utilisation());
        this.progress = new ConsumerProgress(metrics);
        double configuredSampleRate = policy.sampleRate();
        metrics.budget(budget, config.methods(), b -> b.sampleRate(configuredSampleRate), () -> progress.reachedAgeMs() / 1000.0);
        this.recent = new RecentEvents(new ImageCache(config.imageCacheEntries(), config.imageCacheBytes()));
        models.onRetired(engine::retire);
        metrics.backlog(this::backlog);
        metrics.imageCache(recent.images);
        metrics.readyModels(engine::readyVersions);
        metrics.device(engine.requestedDevice(), engine.device());
        DeadLetters deadLetters = new DeadLetters(metrics);
        this.transaction = new ExplainTransaction(config, engine, metrics, budget, recent,
                new PredictionSelection(config, policy, budget, recent, deadLetters), deadLetters, progress, requests);
        this.feed = new SideFeed(config.instanceId() + "-side-feed", config.bootstrapServers(),
                        config.kafkaProperties(), config.imageLookback())
                .route(catalog.images(), (k, v) -> recent.images.put(v), false)
                .route(catalog.labels(), (k, v) -> onLabel(v), false)
                .route(catalog.predictions(), (k, v) -> recent.predictions.put(v.getImageId(), v), false)
                .route(catalog.models(), (k, v) -> models.accept(v), true)
                .route(catalog.explanations(), (k, v) -> recent.remember(v), false);
    }

    @Override
    public String name() {
        return "explain-worker";
    }

    /** The artifact store of the ONNX engine (for the console), or null with another engine. */
    public ArtifactStore artifactStore() {
        return engine instanceof OnnxExplanationEngine o ? o.store() : null;
    }

    public ExplainWorkerConfig config() {
        return config;
    }

    @Override
    public synchronized void start() {
        if (started) {
            return;
        }
        started = true;
        feed.start();
        loop = new RecordLoop(config, transaction, progress, requests);
        thread = new Thread(loop, config.instanceId());
        thread.setDaemon(true);
        thread.start();
        LOG.info("explain worker {} started: policy '{}', methods {}, layer {}, model {}", config.instanceId(),
                config.policy(), config.methods(), config.layer() == null ? "(default)" : config.layer(), config.modelPath());
    }

    /** Explanation figures for the demo summary. */
    public ExplainSummary summary() {
        return metrics.summary();
    }

    @Override
    public Optional<String> summaryLine() {
        return Optional.of(summary().line());
    }

    @Override
    public Optional<Throwable> failureCause() {
        return Optional.ofNullable(failure());
    }

    /** Non-null when the processing loop stopped on an error. */
    public Throwable failure() {
        RecordLoop l = loop;
        return l == null ? null : l.failure();
    }

    @Override
    public boolean isRunning() {
        RecordLoop l = loop;
        return l != null && l.running() && thread.isAlive();
    }

    /**
     * DEGRADED while the consumer lag passes {@code explain.health.max.lag} or the predictions it reaches are older
     * than {@code explain.health.max.age.ms}, with the figures in the reason; DOWN once stopped.
     */
    @Override
    public Health health() {
        if (!isRunning()) {
            Throwable failure = failure();
            return Health.down(failure == null ? "not running" : String.valueOf(failure));
        }
        List<String> reasons = new ArrayList<>();
        long l = progress.lag();
        if (l > limits.healthMaxLag()) {
            reasons.add("consumer lag " + l + " records > " + limits.healthMaxLag());
        }
        long age = progress.reachedAgeMs();
        if (age > limits.healthMaxAge().toMillis()) {
            reasons.add(String.format(Locale.ROOT, "reaching predictions %.1f s old > %.1f s", age / 1000.0,
                    limits.healthMaxAge().toMillis() / 1000.0));
        }
        return reasons.isEmpty() ? Health.up() : Health.degraded(String.join("; ", reasons));
    }

    /** {@code explain 2.4/s skipped 120 lag 35} for the demo's status line. */
    @Override
    public Optional<String> statusFragment() {
        return Optional.of(String.format(Locale.ROOT, "explain %.1f/s skipped %d lag %d", metrics.explanationsPerSecond(),
                metrics.skippedTotal(), progress.lag()));
    }

    /** The load budget (measured capacity, sample rate in force). */
    public ExplainBudget budget() {
        return budget;
    }

    /** Predictions on the topic not yet processed by this worker, plus queued on-demand requests. */
    public long backlog() {
        return progress.lag() + requests.size();
    }

    /**
     * Waits until the worker has nothing left to do: no consumer lag, no queued request, and two empty polls in a
     * row. The demo calls it after the last prediction was produced, before printing its summary.
     *
     * @return false when the timeout passed first
     */
    @Override
    public boolean awaitIdle(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!isRunning()) {
                return false;
            }
            if (progress.assigned() && backlog() == 0 && progress.idlePolls() >= 2) {
                return true;
            }
            Thread.sleep(50);
        }
        return false;
    }

    @Override
    public CompletableFuture<List<Explanation>> explain(String imageId, List<String> methods, int target) {
        return explain(imageId, methods, target, null);
    }

    /** On demand at a chosen layer (null: the model's default); an unknown layer fails the request's items as bad-request. */
    @Override
    public CompletableFuture<List<Explanation>> explain(String imageId, List<String> methods, int target, String layer) {
        CompletableFuture<List<Explanation>> done = new CompletableFuture<>();
        if (imageId == null || methods == null || methods.isEmpty()) {
            done.completeExceptionally(new IllegalArgumentException("an image id and at least one method are required"));
            return done;
        }
        for (String m : methods) {
            if (!OnnxExplanationEngine.knownMethod(m)) {
                done.completeExceptionally(new IllegalArgumentException("unknown method '" + m + "'; known: "
                        + OnnxExplanationEngine.methodNames()));
                return done;
            }
        }
        if (recent.predictions.get(imageId) == null) {
            done.completeExceptionally(new IllegalArgumentException("no recent prediction for image '" + imageId + "'"));
            return done;
        }
        requests.add(new OnDemandRequest(imageId, List.copyOf(methods), target, done, "on-demand",
                layer == null || layer.isEmpty() ? null : layer));
        return done;
    }

    @Override
    public boolean choosesLayers() {
        return true;
    }

    /**
     * A label that arrives after its prediction was processed still counts for the disagreement policy: when the
     * policy now selects the prediction as a disagreement, it is queued like an on-demand request (the labels
     * replayed at start only fill the label cache).
     */
    private void onLabel(Label l) {
        recent.labels.put(l.getImageId(), l.getLabel());
        Prediction p = recent.predictions.get(l.getImageId());
        if (!isRunning() || !feed.caughtUp() || p == null || p.getShadow() || p.getTopKCount() == 0) {
            return;
        }
        if (policy.select(p, l.getLabel()).filter("disagreement"::equals).isPresent()) {
            requests.add(new OnDemandRequest(l.getImageId(), config.methods(), -1, new CompletableFuture<>(), "disagreement", null));
        }
    }

    @Override
    public void close() {
        RecordLoop l = loop;
        if (l != null) {
            l.stop();
            try {
                thread.join(15_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        feed.close();
        engine.close();
        sharedStore.ifPresent(ObjectStore::close);
    }
}
