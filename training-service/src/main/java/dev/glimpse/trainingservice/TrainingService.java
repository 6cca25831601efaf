package dev.glimpse.trainingservice;

import dev.glimpse.contracts.Topic;
import dev.glimpse.contracts.TopicCatalog;
import dev.glimpse.contracts.events.DriftReport;
import dev.glimpse.contracts.events.Label;
import dev.glimpse.contracts.events.ModelAnnouncement;
import dev.glimpse.contracts.events.Prediction;
import dev.glimpse.contracts.events.TrainingExample;
import dev.glimpse.datasets.LabeledImage;
import dev.glimpse.platform.GlimpseService;
import dev.glimpse.platform.config.PlatformConfig;
import dev.glimpse.platform.config.StreamsKeys;
import dev.glimpse.platform.kafka.DeadLetterPublisher;
import dev.glimpse.platform.kafka.KafkaClients;
import dev.glimpse.platform.kafka.streams.StreamsDeadLetters;
import dev.glimpse.runtime.PreprocessingException;
import java.nio.charset.StandardCharsets;
import dev.glimpse.registry.announce.KafkaModelAnnouncer;
import dev.glimpse.registry.objectstore.ObjectStore;
import dev.glimpse.registry.store.ModelManifest;
import dev.glimpse.registry.store.ModelState;
import dev.glimpse.registry.store.ModelStore;
import dev.glimpse.registry.store.StoredModel;
import dev.glimpse.registry.swap.LoadedCandidate;
import dev.glimpse.runtime.ModelMetadata;
import dev.glimpse.trainingservice.examples.HoldoutSplit;
import dev.glimpse.trainingservice.examples.TrainingExamplesTopology;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns labeled feedback into better models without stopping the stream: joins labels with images into training
 * examples (Kafka Streams), keeps the latest examples per class, and when a trigger fires (every N new examples, a
 * schedule, a drift report, an operator) fine-tunes the serving model and publishes the candidate only if it beats
 * the serving one on the same holdout. It also watches live predictions to promote shadow candidates and roll back
 * newly promoted versions that do worse than their predecessor.
 */
public final class TrainingService implements GlimpseService {
    private static final Logger LOG = LoggerFactory.getLogger(TrainingService.class);

    private final TrainingServiceConfig config;
    private final MeterRegistry registry;
    private final ModelTrainer trainerOverride;
    private final AtomicBoolean running = new AtomicBoolean();
    private final AtomicBoolean runInProgress = new AtomicBoolean();
    private final AtomicReference<RetrainRunner.Outcome> lastOutcome = new AtomicReference<>();
    private final List<RetrainRunner.Outcome> outcomes = new CopyOnWriteArrayList<>();
    private TopicCatalog catalog;
    private ModelStore store;
    private Optional<ObjectStore> sharedStore = Optional.empty();
    private ModelLifecycle lifecycle;
    private ExampleBuffer buffer;
    private RetrainTrigger trigger;
    private RetrainRunner runner;
    private KafkaStreams streams;
    private KafkaModelAnnouncer announcer;
    private OperatorApi api;
    private Thread poller;
    private ExecutorService training;
    private ExampleDecoder decoder;
    private DeadLetterPublisher deadLetters;
    private Producer<byte[], byte[]> deadLetterProducer;
    private HoldoutSplit split;
    /** When the poller last found it had read every training example written (checked about once a second). */
    private volatile long examplesCaughtUpAt = Long.MIN_VALUE;

    public TrainingService(TrainingServiceConfig config, MeterRegistry registry) {
        this(config, registry, null);
    }

    /** @param trainer the fine-tuning implementation; null = {@link TransferLearningTrainer} from the configuration */
    public TrainingService(TrainingServiceConfig config, MeterRegistry registry, ModelTrainer trainer) {
        this.config = config;
        this.registry = registry;
        this.trainerOverride = trainer;
    }

    @Override
    public String name() {
        return "training-service";
    }

    @Override
    public void start() throws Exception {
        catalog = config.catalog();
        KafkaClients clients = PlatformConfig.kafkaClients(config.raw());
        TrainingMetrics metrics = new TrainingMetrics(registry);
        sharedStore = config.store().open();
        store = new ModelStore(config.storeDir(), sharedStore.orElse(null));
        sharedStore.ifPresent(st -> LOG.info("training service: model versions published to {}", st.describe()));
        announcer = new KafkaModelAnnouncer(clients.producer("training-service-announcer",
                new StringSerializer(), catalog.models().valueSerde().serializer(), Map.of()), catalog.models());
        lifecycle = new ModelLifecycle(config.modelName(), store, announcer, metrics, config.lifecycle(),
                new ModelClassCounts());
        bootstrapFirstModel();
        StoredModel serving = lifecycle.serving().orElseThrow(() -> new IllegalStateException("model store "
                + store.root() + " has no serving version of '" + config.modelName() + "' and "
                + TrainingServiceConfig.BOOTSTRAP_MODEL + " is not set: nothing to fine-tune"));
        decoder = ExampleDecoder.forModel(serving.modelPath(), config.imageLimits());
        deadLetterProducer = clients.producer("training-service-deadletters");
        deadLetters = new DeadLetterPublisher(deadLetterProducer, catalog.deadletter(), registry,
                TrainingExamplesTopology.STAGE);
        warnIfNotFineTunable(serving);
        split = new HoldoutSplit(config.examples().holdoutFraction());
        buffer = new ExampleBuffer(config.bufferPerClass(), config.holdoutPerClass());
        trigger = new RetrainTrigger(config.everyExamples(), config.interval(), Clock.systemUTC().instant());
        ModelTrainer trainer = trainerOverride != null ? trainerOverride : new TransferLearningTrainer(
                config.fineTuning(), config.unfreezeLast(), config.backboneLrScale(), config.classes());
        runner = new RetrainRunner(store, lifecycle, trainer, new HoldoutEvaluator(config.classes().size(), 256),
                config.promotionPolicy(), buffer, metrics, config.classes(), config.minTrainExamples(),
                config.storeDir().resolve(".work"));
        // a large stack: ONNX Runtime's native code for training graphs overflowed the default 1 MiB thread stack
        // (a JVM crash with no hs_err file) when the same fine-tune ran on the main thread with default -Xss
        training = Executors.newSingleThreadExecutor(r -> new Thread(null, r, "training-run", 64L << 20));

        StreamsBuilder builder = new StreamsBuilder();
        TrainingExamplesTopology.create(builder, config.examples(), registry);
        Properties props = StreamsKeys.properties(config.raw(), config.applicationId());
        // garbage or a processor failure is dead-lettered and skipped, never retried for ever by a replaced thread
        StreamsDeadLetters.install(props, catalog.deadletter().name(), TrainingExamplesTopology.STAGE, registry);
        // training examples carry the image: the producer must accept a record as large as the largest image event
        props.put(StreamsConfig.producerPrefix(ProducerConfig.MAX_REQUEST_SIZE_CONFIG), TopicCatalog.MAX_IMAGE_RECORD_BYTES);
        streams = new KafkaStreams(builder.build(), props);
        streams.setUncaughtExceptionHandler(e -> {
            LOG.error("training-examples topology failed; replacing the stream thread", e);
            return StreamThreadExceptionResponse.REPLACE_THREAD;
        });
        streams.start();

        running.set(true);
        Consumer<byte[], byte[]> consumer = clients.consumer(null, "training-service-poller",
                new ByteArrayDeserializer(), new ByteArrayDeserializer(), Map.of());
        poller = new Thread(() -> poll(consumer), "training-service-poller");
        poller.start();

        if (config.httpPort() >= 0) {
            api = OperatorApi.start(config.httpSettings(), config.httpPort(), config.auth(), lifecycle, store,
                    this::requestTraining);
            LOG.info("operator API on {}", api.boundAddress());
        }
        LOG.info("training service started for {} (serving {}), store {}, retrain every {} examples / {}",
                config.modelName(), serving.version(), store.root(), config.everyExamples(), config.interval());
    }

    /** Queues a training run at the next poll (operator request). */
    public void requestTraining(String reason) {
        trigger.request(reason);
    }

    public ModelLifecycle lifecycle() {
        return lifecycle;
    }

    public ModelStore store() {
        return store;
    }

    public ExampleBuffer buffer() {
        return buffer;
    }

    public List<RetrainRunner.Outcome> outcomes() {
        return List.copyOf(outcomes);
    }

    @Override
    public boolean isRunning() {
        return running.get();
    }

    /**
     * Idle: the examples topology has processed every label and image sent so far (its committed offsets are at the
     * end of both topics), the poller has since read every example it wrote, and no training run is in progress or
     * due.
     */
    @Override
    public boolean awaitIdle(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        long joinedAt = Long.MIN_VALUE;
        try (Admin admin = PlatformConfig.kafkaClients(config.raw()).admin("training-service-idle")) {
            while (System.nanoTime() < deadline) {
                if (!isRunning()) {
                    return false;
                }
                if (joinedAt == Long.MIN_VALUE && joinCaughtUp(admin)) {
                    joinedAt = System.nanoTime(); // every example of the labels sent so far is on the examples topic
                }
                if (joinedAt != Long.MIN_VALUE && examplesCaughtUpAt > joinedAt && !runInProgress.get()
                        && trigger.due(Clock.systemUTC().instant()).isEmpty()) {
                    return true;
                }
                Thread.sleep(500);
            }
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn("cannot tell whether the training examples are caught up: {}", e.toString());
        }
        return false;
    }

    /** Whether the examples topology has committed the end of the labels and images topics. */
    private boolean joinCaughtUp(Admin admin) throws ExecutionException, TimeoutException, InterruptedException {
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(config.applicationId())
                .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        for (String topic : List.of(catalog.labels().name(), catalog.images().name())) {
            admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic).partitions()
                    .forEach(p -> latest.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest()));
        }
        Map<TopicPartition, ListOffsetsResultInfo> ends = admin.listOffsets(latest).all().get(30, TimeUnit.SECONDS);
        for (Map.Entry<TopicPartition, ListOffsetsResultInfo> e : ends.entrySet()) {
            OffsetAndMetadata c = committed.get(e.getKey());
            if (e.getValue().offset() > 0 && (c == null || c.offset() < e.getValue().offset())) {
                return false;
            }
        }
        return true;
    }

    /** {@code training: N run(s); promoted v2 (holdout 0.480 -> 0.810); ...}. */
    @Override
    public Optional<String> summaryLine() {
        StringBuilder b = new StringBuilder("training: " + outcomes.size() + " run(s)");
        for (RetrainRunner.Outcome o : outcomes) {
            b.append("; ").append(o.outcome()).append(o.version() == null ? "" : " " + o.version());
            if (o.current() != null && o.candidate() != null) {
                b.append(String.format(Locale.ROOT, " (holdout %.3f -> %.3f)", o.current().accuracy(),
                        o.candidate().accuracy()));
            }
        }
        return Optional.of(b.toString());
    }

    public Optional<OperatorApi> api() {
        return Optional.ofNullable(api);
    }

    private void bootstrapFirstModel() throws Exception {
        if (lifecycle.serving().isPresent() || config.bootstrapModel().isBlank()) {
            return;
        }
        Path file = Path.of(config.bootstrapModel());
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("configuration '" + TrainingServiceConfig.BOOTSTRAP_MODEL + "': file '"
                    + file + "' does not exist");
        }
        ModelMetadata.requireContract(file); // never stored, served or fine-tuned with guessed preprocessing
        StoredModel first = store.publish(config.modelName(), file, ModelManifest.draft(ModelState.CANDIDATE, "",
                Map.of(), Map.of("source", file.toAbsolutePath().toString()), Map.of()));
        lifecycle.bootstrap(first.version(), "bootstrap model " + file.getFileName());
        LOG.info("stored bootstrap model {} as {}/{}", file, config.modelName(), first.version());
    }

    /** Runs would fail one by one otherwise: say it once, at start, with the cause. */
    private static void warnIfNotFineTunable(StoredModel serving) {
        try {
            TransferLearningTrainer.checkFineTunable(serving.modelPath());
        } catch (Exception e) {
            LOG.warn("serving model {}/{} cannot be fine-tuned, every training run will fail until a fine-tunable model "
                    + "serves: {}", serving.name(), serving.version(), e.getMessage());
        }
    }

    private void poll(Consumer<byte[], byte[]> consumer) {
        try (consumer) {
            // No consumer group: the example buffer is rebuilt from the examples topic at every start, while
            // live predictions, labels and drift reports are only of interest from now on.
            List<TopicPartition> history = partitions(consumer, catalog.trainingExamples());
            List<TopicPartition> live = new ArrayList<>();
            for (Topic<String, ?> t : List.of(catalog.predictions(), catalog.predictionsShadow(), catalog.labels(),
                    catalog.drift(), catalog.models())) {
                live.addAll(partitions(consumer, t));
            }
            List<TopicPartition> all = new ArrayList<>(history);
            all.addAll(live);
            consumer.assign(all);
            consumer.seekToBeginning(history);
            consumer.seekToEnd(live);
            Map<TopicPartition, Long> replayEnd = new HashMap<>(consumer.endOffsets(history));
            long lastLagCheck = 0;
            while (running.get()) {
                ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(200));
                long fresh = 0;
                for (ConsumerRecord<byte[], byte[]> r : records) {
                    try {
                        fresh += dispatch(r, replayEnd);
                    } catch (PreprocessingException e) {
                        // an example whose image cannot be decoded within the limits: dead-lettered, never trained on
                        deadLetters.publish(e.reason(), e.getMessage(),
                                r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8), r);
                    } catch (RuntimeException e) {
                        registry.counter("glimpse.training.records.skipped", "topic", r.topic()).increment();
                        LOG.warn("skipping record {}-{}@{}: {}", r.topic(), r.partition(), r.offset(), e.toString());
                    }
                }
                trigger.onExamples(fresh);
                if (System.nanoTime() - lastLagCheck > 1_000_000_000L) {
                    lastLagCheck = System.nanoTime();
                    examplesCaughtUpAt = caughtUp(consumer, history) ? System.nanoTime() : Long.MIN_VALUE;
                }
                maybeStartRun();
            }
        } catch (InterruptException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.error("training service poller stopped", e);
        }
    }

    private static boolean caughtUp(Consumer<byte[], byte[]> consumer, List<TopicPartition> partitions) {
        Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
        for (TopicPartition p : partitions) {
            if (consumer.position(p) < ends.getOrDefault(p, 0L)) {
                return false;
            }
        }
        return true;
    }

    /** Returns 1 when the record is a new training example (not replayed history). */
    private int dispatch(ConsumerRecord<byte[], byte[]> r, Map<TopicPartition, Long> replayEnd) {
        String topic = r.topic();
        if (topic.equals(catalog.trainingExamples().name())) {
            TrainingExample ex = catalog.trainingExamples().deserializeValue(r.value());
            if (ex == null) {
                return 0;
            }
            LabeledImage image = decoder.decode(ex);
            // the topology marks the split; examples from elsewhere get the same stable hash split
            boolean holdout = ex.getImage().containsAttributes(TrainingExamplesTopology.SPLIT_ATTRIBUTE)
                    ? TrainingExamplesTopology.HOLDOUT.equals(TrainingExamplesTopology.splitOf(ex))
                    : split.isHoldout(ex.getImageId());
            buffer.add(image, holdout, topic + "-" + r.partition(), r.offset());
            Long end = replayEnd.get(new TopicPartition(topic, r.partition()));
            return end != null && r.offset() < end ? 0 : 1;
        } else if (topic.equals(catalog.predictions().name()) || topic.equals(catalog.predictionsShadow().name())) {
            Prediction p = catalog.predictions().deserializeValue(r.value());
            if (p != null) {
                // a record of the shadow topic is a shadow prediction even if the flag was not set
                lifecycle.onPrediction(topic.equals(catalog.predictionsShadow().name()) && !p.getShadow()
                        ? p.toBuilder().setShadow(true).build() : p);
            }
        } else if (topic.equals(catalog.labels().name())) {
            Label l = catalog.labels().deserializeValue(r.value());
            if (l != null && l.getLabel() >= 0 && l.getLabel() < config.classes().size()) {
                lifecycle.onLabel(l);
            }
        } else if (topic.equals(catalog.models().name())) {
            ModelAnnouncement a = catalog.models().deserializeValue(r.value());
            if (a != null && a.getModelName().equals(config.modelName())
                    && a.getState() == ModelAnnouncement.State.REJECTED
                    && a.getReason().startsWith(LoadedCandidate.REJECTED_BY_PREFIX)) {
                lifecycle.onRejectedByWorker(a.getVersion(), a.getReason());
            }
        } else if (topic.equals(catalog.drift().name())) {
            DriftReport d = catalog.drift().deserializeValue(r.value());
            if (d != null && d.getDrifted() && (d.getModelName().isEmpty() || d.getModelName().equals(config.modelName()))) {
                trigger.onDrift(d.getStatistic() + "=" + d.getValue() + " > " + d.getThreshold());
            }
        }
        return 0;
    }

    private void maybeStartRun() {
        Optional<String> due = trigger.due(Clock.systemUTC().instant());
        if (due.isEmpty() || !runInProgress.compareAndSet(false, true)) {
            return;
        }
        trigger.started(Clock.systemUTC().instant());
        String reason = due.get();
        CompletableFuture.runAsync(() -> {
            try {
                RetrainRunner.Outcome o = runner.run(reason);
                lastOutcome.set(o);
                outcomes.add(o);
            } catch (Throwable t) {
                // the runner reports its own failures; this catches Errors (e.g. a class missing at run time) that
                // would otherwise vanish inside the future
                LOG.error("training run ({}) aborted", reason, t);
                registry.counter("glimpse.training.runs", "outcome", "failed").increment();
            } finally {
                runInProgress.set(false);
            }
        }, training);
    }

    private static List<TopicPartition> partitions(Consumer<byte[], byte[]> consumer, Topic<String, ?> topic) {
        List<TopicPartition> out = new ArrayList<>();
        List<PartitionInfo> infos = consumer.partitionsFor(topic.name(), Duration.ofSeconds(30));
        if (infos != null) {
            for (PartitionInfo p : infos) {
                out.add(new TopicPartition(p.topic(), p.partition()));
            }
        }
        return out;
    }

    @Override
    public void close() {
        running.set(false);
        if (poller != null) {
            try {
                poller.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (api != null) {
            api.close();
        }
        if (streams != null) {
            streams.close(Duration.ofSeconds(10));
        }
        if (training != null) {
            training.shutdown();
            try {
                training.awaitTermination(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (announcer != null) {
            announcer.close();
        }
        if (deadLetterProducer != null) {
            deadLetterProducer.close(Duration.ofSeconds(5));
        }
        sharedStore.ifPresent(ObjectStore::close);
    }
}
