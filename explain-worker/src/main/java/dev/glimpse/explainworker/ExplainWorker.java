package dev.glimpse.explainworker;

import dev.glimpse.platform.kafka.SideFeed;
import dev.glimpse.platform.kafka.ImageCache;
import dev.glimpse.contracts.OnDemandExplainer;
import dev.glimpse.contracts.TopicCatalog;
import dev.glimpse.contracts.events.DeadLetter;
import dev.glimpse.contracts.events.Explanation;
import dev.glimpse.contracts.events.ImageEvent;
import dev.glimpse.contracts.events.Prediction;
import dev.glimpse.registry.artifacts.ArtifactStore;
import dev.glimpse.registry.objectstore.ObjectStore;
import dev.glimpse.registry.objectstore.StoreSettings;
import dev.glimpse.explainworker.policy.ExplanationPolicy;
import dev.glimpse.explainworker.policy.PolicySpec;
import dev.glimpse.explainworker.policy.SampleRate;
import dev.glimpse.explainworker.load.ExplainBudget;
import dev.glimpse.explainworker.load.LoadLimits;
import dev.glimpse.platform.Health;
import dev.glimpse.engine.onnx.Onnx;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import dev.glimpse.platform.GlimpseService;
import com.google.protobuf.ByteString;
import dev.glimpse.contracts.events.Label;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
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
 */
public final class ExplainWorker implements GlimpseService, OnDemandExplainer {

    private static final Logger LOG = LoggerFactory.getLogger(ExplainWorker.class);
    private static final int POLL_RECORDS = 500;

    private record Demand(String imageId, List<String> methods, int target, CompletableFuture<List<Explanation>> done,
                          String reason, String layer) {
        Demand(String imageId, List<String> methods, int target, CompletableFuture<List<Explanation>> done, String reason) {
            this(imageId, methods, target, done, reason, null);
        }
    }

    private final ExplainWorkerConfig config;
    private final ExplanationEngine engine;
    private final ExplainMetrics metrics;
    private final ExplanationPolicy policy;
    private final TopicCatalog catalog;
    private final ImageCache images;
    private final BoundedMap<String, Integer> labels = new BoundedMap<>(50_000);
    private final BoundedMap<String, Prediction> predictions = new BoundedMap<>(20_000);
    private final BoundedMap<String, Explanation> published = new BoundedMap<>(200_000);
    private final ModelCatalog models;
    private final ConcurrentLinkedQueue<Demand> demands = new ConcurrentLinkedQueue<>();
    private final AtomicLong lag = new AtomicLong();
    /** Age in ms of the oldest prediction of the last poll that had records; 0 after an empty poll without lag. */
    private final AtomicLong reachedAgeMs = new AtomicLong();
    private final ExplainBudget budget;
    private final LoadLimits limits;
    private final double configuredSampleRate;
    private final AtomicLong idlePolls = new AtomicLong();
    private volatile boolean assigned;
    private final SideFeed feed;
    private volatile boolean running;
    private volatile Throwable failure;
    private Thread loop;
    private KafkaConsumer<byte[], byte[]> consumer;
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
        this.models = models;
        this.catalog = config.catalog();
        this.policy = ExplanationPolicy.parse(config.policy());
        this.metrics = new ExplainMetrics(registry);
        this.limits = config.load();
        this.budget = ExplainBudget.of(config.methods(), limits.utilisation());
        this.configuredSampleRate = policy.sampleRate();
        metrics.budget(budget, config.methods(), b -> b.sampleRate(configuredSampleRate), () -> reachedAgeMs.get() / 1000.0);
        this.images = new ImageCache(config.imageCacheEntries(), config.imageCacheBytes());
        models.onRetired(engine::retire);
        metrics.backlog(() -> lag.get() + demands.size());
        metrics.imageCache(images);
        metrics.readyModels(engine::readyVersions);
        metrics.device(engine.requestedDevice(), engine.device());
        this.feed = new SideFeed(config.instanceId() + "-side-feed", config.bootstrapServers(),
                        config.kafkaProperties(), config.imageLookback())
                .route(catalog.images(), (k, v) -> images.put(v), false)
                .route(catalog.labels(), (k, v) -> onLabel(v), false)
                .route(catalog.predictions(), (k, v) -> predictions.put(v.getImageId(), v), false)
                .route(catalog.models(), (k, v) -> models.accept(v), true)
                .route(catalog.explanations(), (k, v) -> remember(v), false);
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
        if (running) {
            return;
        }
        running = true;
        feed.start();
        consumer = new KafkaConsumer<>(consumerProperties(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
        loop = new Thread(this::run, config.instanceId());
        loop.setDaemon(true);
        loop.start();
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
        return Optional.ofNullable(failure);
    }

    /** Non-null when the processing loop stopped on an error. */
    public Throwable failure() {
        return failure;
    }

    @Override
    public boolean isRunning() {
        return running && loop != null && loop.isAlive();
    }

    /**
     * DEGRADED while the consumer lag passes {@code explain.health.max.lag} or the predictions it reaches are older
     * than {@code explain.health.max.age.ms}, with the figures in the reason; DOWN once stopped.
     */
    @Override
    public Health health() {
        if (!isRunning()) {
            return Health.down(failure == null ? "not running" : String.valueOf(failure));
        }
        List<String> reasons = new ArrayList<>();
        long l = lag.get();
        if (l > limits.healthMaxLag()) {
            reasons.add("consumer lag " + l + " records > " + limits.healthMaxLag());
        }
        long age = reachedAgeMs.get();
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
                metrics.skippedTotal(), lag.get()));
    }

    /** The load budget (measured capacity, sample rate in force). */
    public ExplainBudget budget() {
        return budget;
    }

    /** Predictions on the topic not yet processed by this worker, plus queued on-demand requests. */
    public long backlog() {
        return lag.get() + demands.size();
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
            if (assigned && backlog() == 0 && idlePolls.get() >= 2) {
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
        if (predictions.get(imageId) == null) {
            done.completeExceptionally(new IllegalArgumentException("no recent prediction for image '" + imageId + "'"));
            return done;
        }
        demands.add(new Demand(imageId, List.copyOf(methods), target, done, "on-demand",
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
        labels.put(l.getImageId(), l.getLabel());
        Prediction p = predictions.get(l.getImageId());
        if (!running || !feed.caughtUp() || p == null || p.getShadow() || p.getTopKCount() == 0) {
            return;
        }
        if (policy.select(p, l.getLabel()).filter("disagreement"::equals).isPresent()) {
            demands.add(new Demand(l.getImageId(), config.methods(), -1, new CompletableFuture<>(), "disagreement"));
        }
    }

    private Properties consumerProperties() {
        Properties p = new Properties();
        p.putAll(config.kafkaProperties());
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, config.groupId());
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, config.instanceId());
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        // a poll reads well past one batch: predictions not selected, or too old to explain, cost nothing, so a backlog
        // is read through quickly; the worker stops at maxBatch selected and seeks back to the rest
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, String.valueOf(Math.max(config.maxBatch(), POLL_RECORDS)));
        // an image wait plus a slow batch must not cost the assignment
        p.put(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, String.valueOf(Math.max(300_000, 4 * config.imageWait().toMillis())));
        return p;
    }

    private KafkaProducer<byte[], byte[]> newProducer() {
        Properties p = new Properties();
        p.putAll(config.kafkaProperties());
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, config.transactionalId());
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, String.valueOf(8 << 20));
        p.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, String.valueOf(Math.max(60_000, 3 * config.imageWait().toMillis())));
        return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }

    private void run() {
        KafkaProducer<byte[], byte[]> producer = null;
        try {
            producer = newProducer();
            producer.initTransactions();
            consumer.subscribe(List.of(catalog.predictions().name()));
            while (running) {
                ConsumerRecords<byte[], byte[]> records = consumer.poll(config.maxWait());
                updateLag();
                List<Demand> due = new ArrayList<>();
                for (Demand d; (d = demands.poll()) != null; ) {
                    due.add(d);
                }
                if (records.isEmpty() && due.isEmpty()) {
                    idlePolls.incrementAndGet();
                    if (lag.get() == 0) {
                        reachedAgeMs.set(0);
                    }
                    continue;
                }
                idlePolls.set(0);
                process(producer, records, due);
            }
        } catch (WakeupException e) {
            // stopping
        } catch (ProducerFencedException | InvalidProducerEpochException e) {
            failure = e;
            LOG.error("explain worker {} was fenced by another instance with the same id; stopping", config.instanceId());
        } catch (Throwable e) {
            failure = e;
            LOG.error("explain worker {} stopped: {}", config.instanceId(), e.toString(), e);
        } finally {
            running = false;
            // Close without committing: an open transaction is aborted by the broker or by the next instance.
            if (producer != null) {
                producer.close(Duration.ZERO);
            }
            consumer.close(CloseOptions.timeout(Duration.ofSeconds(1)));
            for (Demand d; (d = demands.poll()) != null; ) {
                d.done().completeExceptionally(new IllegalStateException("explain worker stopped"));
            }
        }
    }

    private void process(KafkaProducer<byte[], byte[]> producer, ConsumerRecords<byte[], byte[]> records, List<Demand> due) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        Map<TopicPartition, Long> firstOffsets = new HashMap<>();
        List<Explanation> toPublish = new ArrayList<>();
        Map<Demand, List<Explanation>> answered = new LinkedHashMap<>();
        List<ExplainItem> items = new ArrayList<>();
        int selectedHere = 0;
        Map<String, Long> skips = new TreeMap<>();
        List<DeadLetter> deadLetters = new ArrayList<>();
        long deadline = System.currentTimeMillis() + config.imageWait().toMillis();
        long batchStarted = System.nanoTime();
        metrics.batch(records.count());
        producer.beginTransaction();
        try {
            long now = System.currentTimeMillis();
            long oldest = Long.MAX_VALUE;
            boolean full = false;
            for (ConsumerRecord<byte[], byte[]> r : records) {
                TopicPartition tp = new TopicPartition(r.topic(), r.partition());
                firstOffsets.putIfAbsent(tp, r.offset());
                if (full) {
                    continue; // left for the next poll: the consumer is sent back to it below
                }
                offsets.put(tp, new OffsetAndMetadata(r.offset() + 1));
                long ageMs = Math.max(0, now - r.timestamp());
                oldest = Math.min(oldest, r.timestamp());
                Prediction p;
                try {
                    p = catalog.predictions().deserializeValue(r.value());
                } catch (RuntimeException e) {
                    deadLetters.add(deadLetter("malformed-event", e.getMessage(), r, ""));
                    continue;
                }
                if (p == null || p.getShadow() || p.getTopKCount() == 0) {
                    continue;
                }
                predictions.put(p.getImageId(), p);
                budget.arrived();
                Integer label = labels.get(p.getImageId());
                Optional<String> reason = policy.select(p, label == null ? ExplanationPolicy.NO_LABEL : label);
                if (reason.isEmpty()) {
                    continue;
                }
                if (reason.get().equals(SampleRate.REASON)) {
                    if (!budget.admitSample(SampleRate.unit(p.getImageId()), configuredSampleRate)) {
                        skips.merge(SKIP_OVER_CAPACITY, 1L, Long::sum);
                        continue;
                    }
                } else {
                    budget.prioritySelected();
                }
                if (limits.skipsByAge() && ageMs > limits.maxAge().toMillis()) {
                    skips.merge(SKIP_MAX_AGE, 1L, Long::sum);
                    continue;
                }
                selectedHere++;
                full = selectedHere >= config.maxBatch();
                Optional<ImageEvent> image = images.await(p.getImageId(), Math.max(0, deadline - System.currentTimeMillis()));
                if (image.isEmpty()) {
                    deadLetters.add(deadLetter("image-unavailable", "image not seen on " + catalog.images().name()
                            + " within " + config.imageWait().toSeconds() + " s (or evicted from the cache)", r, p.getImageId()));
                    continue;
                }
                for (String method : config.methods()) {
                    ExplainItem item = new ExplainItem(p, image.get(), method, p.getTopK(0).getClassIndex(), reason.get());
                    if (published.get(item.dedupKey()) == null) {
                        items.add(item);
                    }
                }
            }
            Map<Demand, List<ExplainItem>> demandItems = new LinkedHashMap<>();
            for (Demand d : due) {
                Prediction p = predictions.get(d.imageId());
                Optional<ImageEvent> image = images.get(d.imageId());
                if (p == null || image.isEmpty()) {
                    d.done().completeExceptionally(new IllegalArgumentException("image '" + d.imageId()
                            + "' is no longer cached; cannot explain it"));
                    continue;
                }
                List<ExplainItem> mine = new ArrayList<>();
                List<Explanation> existing = new ArrayList<>();
                int target = d.target() >= 0 ? d.target() : p.getTopK(0).getClassIndex();
                for (String m : d.methods()) {
                    ExplainItem item = new ExplainItem(p, image.get(), m, target, d.reason(), d.layer());
                    Explanation old = published.get(item.dedupKey());
                    if (old != null && old.getTargetClass() == target) {
                        existing.add(old);
                    } else {
                        mine.add(item);
                    }
                }
                answered.put(d, existing);
                demandItems.put(d, mine);
                items.addAll(mine);
            }
            Map<String, Explanation> produced = new HashMap<>();
            reachedAgeMs.set(oldest == Long.MAX_VALUE ? 0 : Math.max(0, System.currentTimeMillis() - oldest));
            for (List<ExplainItem> group : groupByModelAndMethod(items)) {
                long started = System.nanoTime();
                List<ExplanationEngine.Result> results = engine.explain(group);
                budget.costs().record(group.get(0).method(), group.size(), (System.nanoTime() - started) / 1e9);
                for (ExplanationEngine.Result res : results) {
                    if (res.succeeded()) {
                        Explanation e = res.event();
                        if (produced.putIfAbsent(res.item().dedupKey(), e) == null) {
                            producer.send(new ProducerRecord<>(catalog.explanations().name(), key(e.getImageId()), e.toByteArray()));
                            toPublish.add(e);
                        }
                    } else {
                        deadLetters.add(deadLetter(res.failureReason(), res.failureDetail(), null, res.item().prediction().getImageId()));
                    }
                }
            }
            for (DeadLetter letter : deadLetters) {
                producer.send(new ProducerRecord<>(catalog.deadletter().name(), key(letter.getImageId()), letter.toByteArray()));
            }
            if (!offsets.isEmpty()) {
                producer.sendOffsetsToTransaction(offsets, consumer.groupMetadata());
            }
            producer.commitTransaction();
            if (full) {
                // stopped at maxBatch selected: the rest of the poll comes back in the next one
                firstOffsets.forEach((tp, first) -> {
                    OffsetAndMetadata done = offsets.get(tp);
                    consumer.seek(tp, done != null ? done.offset() : first);
                });
            }
            budget.batch(selectedHere, (System.nanoTime() - batchStarted) / 1e9);
            metrics.selected(selectedHere);
            skips.forEach(metrics::skipped);
            deadLetters.forEach(letter -> metrics.deadLettered(letter.getReason()));
            produced.forEach(published::put); // keyed by the item (with its layer when one was asked for)
            for (Explanation e : toPublish) {
                metrics.committed(e);
            }
            demandItems.forEach((d, mine) -> {
                List<Explanation> all = new ArrayList<>(answered.get(d));
                for (ExplainItem it : mine) {
                    Explanation e = produced.get(it.dedupKey());
                    if (e != null) {
                        all.add(e);
                    }
                }
                d.done().complete(all);
            });
        } catch (ProducerFencedException | InvalidProducerEpochException e) {
            throw e;
        } catch (KafkaException e) {
            LOG.warn("explain transaction aborted, will retry the batch: {}", e.toString());
            producer.abortTransaction();
            firstOffsets.forEach(consumer::seek);
            due.forEach(demands::add);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new WakeupException();
        }
    }

    /** A selected prediction older than {@code explain.max.age.ms} when reached. */
    static final String SKIP_MAX_AGE = "max-age";
    /** A prediction the sample term chose but the budget's lowered sample rate did not. */
    static final String SKIP_OVER_CAPACITY = "over-capacity";

    /** Items grouped by (model version, method), in first-seen order: one engine call per group. */
    private List<List<ExplainItem>> groupByModelAndMethod(List<ExplainItem> items) {
        Map<String, List<ExplainItem>> groups = new LinkedHashMap<>();
        for (ExplainItem it : items) {
            groups.computeIfAbsent(it.model() + "|" + it.method() + "|" + it.layer(), k -> new ArrayList<>()).add(it);
        }
        return new ArrayList<>(groups.values());
    }

    /**
     * Explanations read back from the topic (this and other instances): remembered for deduplication, except on-demand
     * ones, which may be at a layer other than the default and must not answer a request for the default layer.
     */
    private void remember(Explanation e) {
        if ("on-demand".equals(e.getReason())) {
            return;
        }
        for (var a : e.getArtifactsList()) {
            published.put(ExplainItem.dedupKey(e.getImageId(), e.getModelName(), e.getModelVersion(), a.getMethod()), e);
        }
    }

    private DeadLetter deadLetter(String reason, String detail, ConsumerRecord<byte[], byte[]> r, String imageId) {
        DeadLetter.Builder b = DeadLetter.newBuilder().setReason(reason).setDetail(detail == null ? "" : detail)
                .setStage(ExplainMetrics.STAGE).setFailedAtMs(System.currentTimeMillis()).setImageId(imageId == null ? "" : imageId);
        if (r != null) {
            b.setSourceTopic(r.topic()).setSourcePartition(r.partition()).setSourceOffset(r.offset());
            if (r.key() != null) {
                b.setOriginalKey(ByteString.copyFrom(r.key()));
            }
            if (r.value() != null) {
                b.setOriginalValue(ByteString.copyFrom(r.value()));
            }
        }
        metrics.failure(reason);
        return b.build();
    }

    private static byte[] key(String imageId) {
        return imageId == null || imageId.isEmpty() ? null : imageId.getBytes(StandardCharsets.UTF_8);
    }

    private void updateLag() {
        try {
            long total = 0;
            assigned = !consumer.assignment().isEmpty();
            Map<Integer, Long> byPartition = new HashMap<>();
            for (TopicPartition tp : consumer.assignment()) {
                OptionalLong l = consumer.currentLag(tp);
                if (l.isPresent()) {
                    total += l.getAsLong();
                    byPartition.put(tp.partition(), l.getAsLong());
                }
            }
            lag.set(total);
            metrics.consumerLag(byPartition);
        } catch (RuntimeException e) {
            // lag is advisory
        }
    }

    @Override
    public void close() {
        running = false;
        if (consumer != null) {
            consumer.wakeup();
        }
        if (loop != null) {
            try {
                loop.join(15_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        feed.close();
        engine.close();
        sharedStore.ifPresent(ObjectStore::close);
    }
}
