package dev.glimpse.inference;

import ai.onnxruntime.OrtException;
import dev.glimpse.contracts.TopicCatalog;
import dev.glimpse.platform.GlimpseService;
import dev.glimpse.platform.kafka.KafkaClients;
import dev.glimpse.platform.metrics.KafkaClientMeters;
import dev.glimpse.platform.kafka.ClusterCheck;
import dev.glimpse.registry.swap.HotSwapSlot;
import dev.glimpse.registry.swap.ModelsTopicListener;
import dev.glimpse.registry.swap.ShadowSampler;
import dev.glimpse.runtime.ModelMetadata;
import dev.glimpse.runtime.SessionTuning;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.producer.Producer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Classifies every image of the {@code images} topic exactly once: each micro-batch's predictions and dead
 * letters and its consumed offsets are committed in one Kafka transaction, so read_committed readers of
 * {@code predictions} see each image once even when a worker dies mid-batch.
 * <p>
 * A pipeline of threads, each stage working on later images than the next: the poll thread owns the consumer and
 * feeds the {@link MicroBatcher} in poll order (pausing its partitions while a poll's worth waits outside it); the
 * {@link ImageDecoder} threads parse and preprocess the polled images meanwhile; the scoring thread takes batches and
 * runs ONNX Runtime once per batch; the commit thread owns the transactional producer, sends each scored batch's
 * predictions and commits. A transaction spans the batches of up to {@code commitInterval} under a backlog, and
 * commits at once when the stream goes idle. A failed transaction is aborted and the consumer rewinds to the
 * committed offsets; a rebalance waits for the open transaction's commit and drops what was not yet sent.
 * <p>
 * Hot swap (when {@link InferenceConfig#followModels()}): a listener follows the compacted {@code models} topic; a
 * PROMOTED version is loaded and verified in the background (sha256, signature, preprocessing, warm-up) and staged;
 * the scoring thread switches to it only at the start of a batch, so every batch is answered by one model and each prediction
 * names the version that answered it. A rejected model is announced REJECTED and the old one serves on. A SHADOW
 * version answers its share of the images ({@link ShadowSampler}) to the shadow topic, in the same transaction.
 */
public final class InferenceWorker implements GlimpseService {

    private static final Logger LOG = LoggerFactory.getLogger(InferenceWorker.class);

    private final InferenceConfig config;
    private final TopicCatalog catalog;
    private final MeterRegistry registry;
    private final InferenceMetrics metrics;
    private final KafkaClients clients;
    private final PipelineState state;
    private final CountDownLatch assigned = new CountDownLatch(1);
    private final List<AutoCloseable> clientMeters = new ArrayList<>();

    private volatile HotSwapSlot<ServingModel> serving;
    private ImageDecoder decoder;
    private volatile ModelFollowing following;
    private Consumer<byte[], byte[]> consumer;
    private Producer<byte[], byte[]> producer;
    private volatile TransactionalSink sink;
    private Thread pollThread;

    public InferenceWorker(InferenceConfig config, TopicCatalog catalog, MeterRegistry registry) {
        this.config = config;
        this.catalog = catalog;
        this.registry = registry;
        this.metrics = new InferenceMetrics(registry, config.workerId());
        this.clients = new KafkaClients(config.bootstrapServers(), config.kafkaOverrides());
        this.state = new PipelineState(config.workerId(),
                new MicroBatcher<>(config.maxBatchSize(), config.maxWait(), config.queueCapacity()));
    }

    @Override
    public String name() {
        return "inference-worker";
    }

    /**
     * Loads the model (failing here when {@code --device cuda} cannot be had), creates the transactional producer
     * (fencing a crashed predecessor with the same worker id), subscribes and starts the threads.
     */
    @Override
    public synchronized void start() throws IOException, OrtException, InterruptedException {
        if (state.running()) {
            return;
        }
        Classifier classifier = Classifier.load(config.model(), config.device(), tuning());
        ModelMetadata m = classifier.metadata();
        // the poll thread preprocesses with the start model's settings; a replacement must take the same input
        decoder = new ImageDecoder(classifier.preprocessor(), config.imageLimits(), config.decodeThreads(), config.workerId());
        serving = new HotSwapSlot<>(new ServingModel(classifier, m.name(), m.version()));
        int decodeAhead = DecodeAhead.records(config.maxPollRecords(), config.maxBatchSize(),
                classifier.preprocessor().sampleSize());
        LOG.info("inference worker {}: model {} v{} on {} (requested {}), batches of up to {} within {} ms, embedding {}, "
                        + "decoding up to {} images ahead", config.workerId(), m.name(), m.version(), classifier.device(),
                classifier.requestedDevice(), config.maxBatchSize(), config.maxWait().toMillis(),
                classifier.embeddingName().orElse("none"), decodeAhead);
        metrics.info("glimpse.inference.model.info", Tags.of("model", m.name(), "version", m.version()));
        metrics.info("glimpse.inference.device.info", Tags.of("device", classifier.device().toString(),
                "requested", classifier.requestedDevice().toString()));
        try {
            // after the model (a local mistake is reported first), before any client retries against a dead cluster
            ClusterCheck.require(clients, config.connectTimeout());
            producer = WorkerClients.transactionalProducer(clients, config);
            consumer = WorkerClients.imagesConsumer(clients, config, decodeAhead);
            if (config.followModels()) {
                following = new ModelFollowing(config, catalog, clients, registry, classifier, serving, tuning());
            }
        } catch (RuntimeException e) {
            closeQuietly();
            throw e;
        }
        clientMeters.add(KafkaClientMeters.bind(registry, consumer, name()));
        clientMeters.add(KafkaClientMeters.bind(registry, producer, name()));
        state.start();
        ScoredBatchQueue scored = new ScoredBatchQueue(state.batcher);
        sink = new TransactionalSink(config, catalog, producer, state, scored, metrics, registry);
        ScoringLoop scoring = new ScoringLoop(config.workerId(), state, serving, following,
                new BatchScorer(config.workerId(), BatchScorer.DEFAULT_RETRIES), scored, metrics);
        Thread scoreThread = new Thread(scoring, "glimpse-inference-run-" + config.workerId());
        Thread commitThread = new Thread(sink, "glimpse-inference-commit-" + config.workerId());
        pollThread = new Thread(new PollLoop(config, catalog.images().name(), consumer, decoder, state, metrics,
                assigned, List.of(scoreThread, commitThread), decodeAhead), "glimpse-inference-poll-" + config.workerId());
        pollThread.start();
        scoreThread.start();
        commitThread.start();
    }

    private SessionTuning tuning() {
        return new SessionTuning(config.intraOpThreads(), 1);
    }

    /** Stops after the batch in flight is committed; what was not yet batched is left to the next owner. */
    @Override
    public void close() {
        state.stop();
        awaitStop();
    }

    /**
     * Simulates a crash (for tests and chaos drills): the next batch is sent but its transaction is neither
     * committed nor aborted, and producer and consumer are closed at once without committing anything.
     * The open transaction stays until a worker with the same id starts or the transaction timeout passes.
     */
    public void crash() {
        state.requestCrash();
        awaitStop();
    }

    private void awaitStop() {
        stopFollowingModels();
        try {
            if (pollThread != null && !state.awaitThreadsStopped(60)) {
                LOG.warn("inference worker {} did not stop within 60 s", config.workerId());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (AutoCloseable m : clientMeters) {
            try {
                m.close();
            } catch (Exception e) {
                LOG.debug("closing client meters", e);
            }
        }
        clientMeters.clear();
        closeModels();
    }

    private void stopFollowingModels() {
        if (following != null) {
            following.stopListening();
        }
    }

    private void closeModels() {
        if (decoder != null) {
            decoder.close();
            decoder = null;
        }
        HotSwapSlot<ServingModel> s = serving;
        if (s != null) {
            s.close();
            serving = null;
        }
        if (following != null) {
            following.close(); // kept: shadowVersion() still answers after close
        }
    }

    private void closeQuietly() {
        if (producer != null) {
            producer.close(Duration.ZERO);
        }
        if (consumer != null) {
            consumer.close(CloseOptions.timeout(Duration.ZERO));
        }
        stopFollowingModels();
        closeModels();
    }

    /** Ready once the consumer has its partitions: see {@link #awaitAssignment}. */
    @Override
    public boolean awaitReady(Duration timeout) throws InterruptedException {
        return awaitAssignment(timeout);
    }

    @Override
    public Optional<Throwable> failureCause() {
        return Optional.ofNullable(failure());
    }

    /**
     * Waits until this worker has been given partitions of the images topic (after the consumer group has formed).
     *
     * @return false when the timeout passed first
     */
    public boolean awaitAssignment(Duration timeout) throws InterruptedException {
        return assigned.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    public boolean isRunning() {
        return state.running() && state.failure() == null;
    }

    /** The error that stopped the worker, if one did. */
    public Throwable failure() {
        return state.failure();
    }

    public long predictions() {
        return sink == null ? 0 : sink.predictions();
    }

    public long deadLetters() {
        return sink == null ? 0 : sink.deadLetters();
    }

    public long committedTransactions() {
        return sink == null ? 0 : sink.committedTransactions();
    }

    /** The model the last batch ran on; null before start and after close. */
    public Classifier classifier() {
        HotSwapSlot<ServingModel> s = serving;
        ServingModel m = s == null ? null : s.current();
        return m == null ? null : m.classifier();
    }

    /** The version the last batch was answered by (the start model's metadata version before any swap). */
    public String servingVersion() {
        HotSwapSlot<ServingModel> s = serving;
        ServingModel m = s == null ? null : s.current();
        return m == null ? null : m.version();
    }

    /** The SHADOW version loaded and answering its share of traffic ({@link ShadowSampler}), or null. */
    public String shadowVersion() {
        ModelFollowing f = following;
        return f == null ? null : f.shadowVersion();
    }

    /**
     * True when the models topic is followed, or when this worker does not follow it ({@code inference.models.follow}
     * false): false while the listener waits for the topic or retries after a failure. A {@code /health} check.
     */
    public boolean modelsFollowed() {
        if (!config.followModels()) {
            return true;
        }
        ModelFollowing f = following;
        return f != null && f.listenerState() == ModelsTopicListener.State.FOLLOWING;
    }

    /** Swaps done by the batch thread so far. */
    public long modelSwaps() {
        HotSwapSlot<ServingModel> s = serving;
        return s == null ? 0 : s.swaps();
    }

    public InferenceConfig config() {
        return config;
    }
}
