package dev.glimpse.inference;

import ai.onnxruntime.OrtException;
import com.google.protobuf.ByteString;
import dev.glimpse.contracts.TopicCatalog;
import dev.glimpse.contracts.events.ClassScore;
import dev.glimpse.contracts.events.DeadLetter;
import dev.glimpse.contracts.events.ImageEvent;
import dev.glimpse.contracts.events.Prediction;
import dev.glimpse.contracts.events.Timings;
import dev.glimpse.platform.GlimpseService;
import dev.glimpse.platform.kafka.DeadLetterPublisher;
import dev.glimpse.platform.kafka.KafkaClients;
import dev.glimpse.platform.metrics.KafkaClientMeters;
import dev.glimpse.runtime.ModelMetadata;
import dev.glimpse.runtime.Preprocessor;
import dev.glimpse.contracts.events.ModelAnnouncement;
import dev.glimpse.registry.announce.KafkaModelAnnouncer;
import dev.glimpse.registry.swap.HotSwapSlot;
import dev.glimpse.registry.swap.ModelCandidateLoader;
import dev.glimpse.registry.swap.ModelSwapper;
import dev.glimpse.registry.swap.ModelsTopicListener;
import dev.glimpse.registry.swap.ServingSignature;
import dev.glimpse.registry.swap.ShadowSampler;
import dev.glimpse.runtime.SessionTuning;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
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
    private static final Duration POLL_TIMEOUT = Duration.ofMillis(50);
    /** Batches scored ahead of the commit thread: enough to keep ONNX Runtime busy through a commit's round trips. */
    private static final int SCORED_CAPACITY = 64;

    private final InferenceConfig config;
    private final TopicCatalog catalog;
    private final InferenceMetrics metrics;
    private final KafkaClients clients;
    private final MicroBatcher<PendingImage> batcher;

    // fair: a rebalance waiting for the open transaction gets the lock when it commits, before the commit thread
    // opens the next one with the batches that were scored meanwhile
    private final ReentrantLock commitLock = new ReentrantLock(true);
    private final Object stateLock = new Object();
    private volatile long epoch;
    private volatile boolean rewindNeeded;
    private volatile boolean running;
    private volatile boolean crashRequested;
    /** Set by the scoring thread from taking a batch until it handed it to the commit thread. */
    private volatile boolean scoring;
    private volatile long crashDeadlineNanos;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final AtomicLong predictions = new AtomicLong();
    private final AtomicLong deadLetters = new AtomicLong();
    private final AtomicLong transactions = new AtomicLong();
    private final CountDownLatch stopped = new CountDownLatch(3);
    private final CountDownLatch assigned = new CountDownLatch(1);

    private final MeterRegistry registry;
    private DeadLetterPublisher deadLetterPublisher;
    private final List<AutoCloseable> clientMeters = new ArrayList<>();
    private volatile HotSwapSlot<ServingModel> serving;
    private HotSwapSlot<ServingModel> shadowSlot;
    private Preprocessor preprocessor;
    private ImageDecoder decoder;
    private ModelCandidateLoader loader;
    private ModelSwapper<ServingModel> swapper;
    private ModelsTopicListener modelsListener;
    private Producer<String, ModelAnnouncement> announcementProducer;
    private Consumer<byte[], byte[]> consumer;
    private Producer<byte[], byte[]> producer;
    private Thread pollThread;
    private Thread scoreThread;
    private Thread commitThread;
    /** Scored batches on their way from the scoring thread to the commit thread, in batch order. */
    private final java.util.concurrent.BlockingQueue<ScoredBatch> scored =
            new java.util.concurrent.ArrayBlockingQueue<>(SCORED_CAPACITY);

    public InferenceWorker(InferenceConfig config, TopicCatalog catalog, MeterRegistry registry) {
        this.config = config;
        this.catalog = catalog;
        this.registry = registry;
        this.metrics = new InferenceMetrics(registry, config.workerId());
        this.clients = new KafkaClients(config.bootstrapServers(), config.kafkaOverrides());
        this.batcher = new MicroBatcher<>(config.maxBatchSize(), config.maxWait(), config.queueCapacity());
    }

    @Override
    public String name() {
        return "inference-worker";
    }

    /**
     * Loads the model (failing here when {@code --device cuda} cannot be had), creates the transactional producer
     * (fencing a crashed predecessor with the same worker id), subscribes and starts both threads.
     */
    @Override
    public synchronized void start() throws IOException, OrtException {
        if (running) {
            return;
        }
        Classifier classifier = Classifier.load(config.model(), config.device(), tuning());
        ModelMetadata m = classifier.metadata();
        // the poll thread preprocesses with the start model's settings; a replacement must take the same input
        preprocessor = classifier.preprocessor();
        decoder = new ImageDecoder(preprocessor, config.decodeThreads(), config.workerId());
        serving = new HotSwapSlot<>(new ServingModel(classifier, m.name(), m.version()));
        LOG.info("inference worker {}: model {} v{} on {} (requested {}), batches of up to {} within {} ms, embedding {}",
                config.workerId(), m.name(), m.version(), classifier.device(), classifier.requestedDevice(),
                config.maxBatchSize(), config.maxWait().toMillis(), classifier.embeddingName().orElse("none"));
        metrics.info("glimpse.inference.model.info", Tags.of("model", m.name(), "version", m.version()));
        metrics.info("glimpse.inference.device.info", Tags.of("device", classifier.device().toString(),
                "requested", classifier.requestedDevice().toString()));
        try {
            producer = clients.transactionalProducer(config.transactionalId(), new ByteArraySerializer(),
                    new ByteArraySerializer(), Map.of(
                            ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, (int) config.transactionTimeout().toMillis(),
                            // predictions become visible only at the commit, which flushes whatever lingers: a
                            // short linger costs no latency and lets a backlog's predictions go in few requests
                            ProducerConfig.LINGER_MS_CONFIG, 10,
                            // with transactions v2 the first send after a commit may be told CONCURRENT_TRANSACTIONS
                            // while the markers are written; retry soon rather than after the default 100 ms
                            ProducerConfig.RETRY_BACKOFF_MS_CONFIG, 5,
                            // one request in flight: a retried first send cannot overtake the rest of the
                            // transaction (which the broker answers with OUT_OF_ORDER_SEQUENCE and more retries)
                            ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1,
                            // predictions are mostly float embeddings, which lz4 barely shrinks: not compressing
                            // saves CPU in this producer and in the broker's validation of every batch
                            ProducerConfig.COMPRESSION_TYPE_CONFIG, "none",
                            // under a backlog, records pile up while the one request is in flight: send them
                            // in few large requests rather than many 16 KB ones
                            ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024));
            consumer = clients.consumer(config.groupId(), config.workerId(), new ByteArrayDeserializer(),
                    new ByteArrayDeserializer(), Map.of(
                            ConsumerConfig.MAX_POLL_RECORDS_CONFIG, config.maxPollRecords(),
                            ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 20));
        } catch (RuntimeException e) {
            closeQuietly();
            throw e;
        }
        if (config.followModels()) {
            followModels(classifier);
        }
        clientMeters.add(KafkaClientMeters.bind(registry, consumer, name()));
        clientMeters.add(KafkaClientMeters.bind(registry, producer, name()));
        running = true;
        pollThread = new Thread(this::pollLoop, "glimpse-inference-poll-" + config.workerId());
        scoreThread = new Thread(this::scoreLoop, "glimpse-inference-run-" + config.workerId());
        commitThread = new Thread(this::commitLoop, "glimpse-inference-commit-" + config.workerId());
        pollThread.start();
        scoreThread.start();
        commitThread.start();
    }

    private SessionTuning tuning() {
        return new SessionTuning(config.intraOpThreads(), 1);
    }

    /** Starts the {@code models} listener: announcements are loaded in the background and staged for the batch thread. */
    private void followModels(Classifier start) {
        String modelName = config.modelName() != null ? config.modelName() : start.metadata().name();
        try {
            loader = new ModelCandidateLoader(config.device(), tuning(), 4, true);
            announcementProducer = clients.producer(config.workerId() + "-models", catalog.models());
            shadowSlot = new HotSwapSlot<>(null);
            swapper = new ModelSwapper<>(modelName, config.workerId(), start.metadata().version(),
                    ServingSignature.of(start.graphFacts()), loader, this::servingModelOf, serving, shadowSlot,
                    new KafkaModelAnnouncer(announcementProducer, catalog.models()), registry);
            modelsListener = new ModelsTopicListener(clients.consumer(null, config.workerId() + "-models"),
                    catalog.models(), modelName, swapper);
            modelsListener.start();
            LOG.info("inference worker {}: following {} for model '{}'", config.workerId(), catalog.models().name(),
                    modelName);
        } catch (RuntimeException e) {
            closeQuietly();
            throw e;
        }
    }

    /** The serving wrapper of a verified model: a Classifier built from exactly the bytes whose sha256 was checked. */
    private ServingModel servingModelOf(dev.glimpse.registry.swap.LoadedCandidate.Ready ready)
            throws OrtException, IncompatibleModelException {
        byte[] bytes = ready.verifiedBytes();
        String version = ready.announcement().getVersion();
        // the loader validated the metadata as at start; it must also ask for the input our decoders prepare
        java.util.Optional<String> mismatch = PreprocessingCompatibility.mismatch(preprocessor.metadata(),
                ready.metadata());
        if (mismatch.isPresent()) {
            LOG.warn("inference worker {}: refusing model version {}: {}", config.workerId(), version, mismatch.get());
            // not closing ready: when the factory throws, the swapper closes it (a second close would throw)
            throw new IncompatibleModelException("incompatible-preprocessing: " + mismatch.get());
        }
        ServingModel model = new ServingModel(Classifier.load(bytes, config.device(), tuning()),
                ready.announcement().getModelName(), version);
        ready.close(); // only once nothing can throw any more, for the same reason
        return model;
    }

    /** A verified model this worker cannot serve; its message is the rejection's detail. */
    static final class IncompatibleModelException extends Exception {
        IncompatibleModelException(String message) {
            super(message);
        }

        @Override
        public String toString() {
            return getMessage(); // read in the REJECTED announcement's reason, without the class name
        }
    }

    /** Stops after the batch in flight is committed; what was not yet batched is left to the next owner. */
    @Override
    public void close() {
        running = false;
        awaitStop();
    }

    /**
     * Simulates a crash (for tests and chaos drills): the next batch is sent but its transaction is neither
     * committed nor aborted, and producer and consumer are closed at once without committing anything.
     * The open transaction stays until a worker with the same id starts or the transaction timeout passes.
     */
    public void crash() {
        crashDeadlineNanos = System.nanoTime() + 2_000_000_000L;
        crashRequested = true;
        awaitStop();
    }

    private void awaitStop() {
        stopFollowingModels();
        try {
            if (pollThread != null && !stopped.await(60, TimeUnit.SECONDS)) {
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
        closeSlots();
    }

    private void stopFollowingModels() {
        if (modelsListener != null) {
            modelsListener.close();
            modelsListener = null;
        }
        if (loader != null) {
            loader.close();
            loader = null;
        }
    }

    private void closeSlots() {
        if (decoder != null) {
            decoder.close();
            decoder = null;
        }
        HotSwapSlot<ServingModel> s = serving;
        if (s != null) {
            s.close();
            serving = null;
        }
        if (shadowSlot != null) {
            shadowSlot.close();
            shadowSlot = null;
        }
        if (announcementProducer != null) {
            announcementProducer.close(Duration.ofSeconds(2));
            announcementProducer = null;
        }
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
        return running && failure.get() == null;
    }

    /** The error that stopped the worker, if one did. */
    public Throwable failure() {
        return failure.get();
    }

    public long predictions() {
        return predictions.get();
    }

    public long deadLetters() {
        return deadLetters.get();
    }

    public long committedTransactions() {
        return transactions.get();
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

    /** The SHADOW version loaded and answering its share of traffic, or null. */
    public String shadowVersion() {
        ModelSwapper<ServingModel> s = swapper;
        return s == null ? null : s.shadowVersion();
    }

    /** Swaps done by the batch thread so far. */
    public long modelSwaps() {
        HotSwapSlot<ServingModel> s = serving;
        return s == null ? 0 : s.swaps();
    }

    public InferenceConfig config() {
        return config;
    }

    // ---------------------------------------------------------------- poll thread

    private void pollLoop() {
        ArrayDeque<PendingImage> backlog = new ArrayDeque<>();
        long nextLagUpdate = 0;
        try {
            consumer.subscribe(List.of(catalog.images().name()), new Rebalance(backlog));
            while (running) { // during a simulated crash: keeps feeding batches until one is left open
                if (rewindNeeded) {
                    rewind(backlog);
                }
                admit(backlog);
                Duration pollTimeout = POLL_TIMEOUT;
                if (!backlog.isEmpty()) {
                    // Records wait for the batcher: wait for the inference thread to take a batch rather than
                    // for a fetch (the partitions may be paused); poll(0) below still collects a fetch that came
                    // and serves the group protocol (rebalances) meanwhile.
                    batcher.awaitSpace(POLL_TIMEOUT);
                    admit(backlog);
                    pollTimeout = Duration.ZERO;
                }
                ConsumerRecords<byte[], byte[]> records = consumer.poll(pollTimeout);
                if (!records.isEmpty()) {
                    long e = epoch;
                    ConsumerGroupMetadata group = consumer.groupMetadata();
                    long now = System.currentTimeMillis();
                    List<PendingImage> polled = new ArrayList<>(records.count());
                    for (ConsumerRecord<byte[], byte[]> r : records) {
                        polled.add(new PendingImage(new TopicPartition(r.topic(), r.partition()), r.offset(), r.key(),
                                r.value(), now, e, group));
                    }
                    // decoding starts now (on the decode threads) and runs while these wait for their batch
                    decoder.decode(polled);
                    backlog.addAll(polled);
                    admit(backlog);
                }
                applyBackpressure(backlog);
                if (System.nanoTime() > nextLagUpdate) {
                    metrics.lag(currentLag());
                    nextLagUpdate = System.nanoTime() + 1_000_000_000L;
                }
            }
        } catch (WakeupException e) {
            // closing
        } catch (Throwable t) {
            fail(t);
        } finally {
            if (!crashRequested) {
                running = false;
            }
            joinQuietly(scoreThread);
            joinQuietly(commitThread);
            running = false;
            try {
                if (crashRequested) {
                    consumer.close(CloseOptions.timeout(Duration.ZERO));
                } else {
                    consumer.close(CloseOptions.timeout(Duration.ofSeconds(5)));
                }
            } catch (RuntimeException e) {
                LOG.debug("closing consumer", e);
            }
            stopped.countDown();
        }
    }

    private void admit(ArrayDeque<PendingImage> backlog) {
        while (!backlog.isEmpty() && batcher.offer(backlog.peekFirst())) {
            backlog.pollFirst();
        }
    }

    /**
     * Pauses fetching while a whole poll's worth of records waits outside the full batcher; resumes below that. The
     * next poll is fetched and decoding while the last one's records still wait, so the batch thread does not run
     * dry at each refill (a fetch round trip plus the first decode); at most two polls' worth wait at any time.
     */
    private void applyBackpressure(ArrayDeque<PendingImage> backlog) {
        Set<TopicPartition> paused = consumer.paused();
        if (backlog.size() >= config.maxPollRecords()) {
            Set<TopicPartition> toPause = new HashSet<>(consumer.assignment());
            toPause.removeAll(paused);
            if (!toPause.isEmpty()) {
                consumer.pause(toPause);
            }
        } else if (!paused.isEmpty()) {
            // less than a poll waits: fetch the next one now (the batcher refuses what does not fit)
            consumer.resume(paused);
        }
    }

    private long currentLag() {
        long lag = 0;
        for (TopicPartition tp : consumer.assignment()) {
            OptionalLong l = consumer.currentLag(tp);
            if (l.isPresent()) {
                lag += l.getAsLong();
            }
        }
        return lag;
    }

    /** After an aborted transaction: forget everything buffered and read again from the committed offsets. */
    private void rewind(ArrayDeque<PendingImage> backlog) {
        synchronized (stateLock) {
            backlog.clear();
            batcher.clear();
            seekToCommitted(consumer.assignment());
            epoch++;
            rewindNeeded = false;
        }
        LOG.info("inference worker {} rewound to the committed offsets", config.workerId());
    }

    private void seekToCommitted(Set<TopicPartition> partitions) {
        if (partitions.isEmpty()) {
            return;
        }
        Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(partitions);
        List<TopicPartition> none = new ArrayList<>();
        for (TopicPartition tp : partitions) {
            OffsetAndMetadata o = committed.get(tp);
            if (o == null) {
                none.add(tp);
            } else {
                consumer.seek(tp, o);
            }
        }
        if (!none.isEmpty()) {
            consumer.seekToBeginning(none);
        }
    }

    /** Waits for the batch in flight (so its offsets are committed by the owner) and drops everything buffered. */
    private final class Rebalance implements ConsumerRebalanceListener {
        private final ArrayDeque<PendingImage> backlog;

        Rebalance(ArrayDeque<PendingImage> backlog) {
            this.backlog = backlog;
        }

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> revoked) {
            if (revoked.isEmpty()) {
                return;
            }
            commitLock.lock();
            try {
                synchronized (stateLock) {
                    backlog.clear();
                    batcher.clear();
                    epoch++;
                }
                Set<TopicPartition> kept = new HashSet<>(consumer.assignment());
                kept.removeAll(revoked);
                seekToCommitted(kept);
            } finally {
                commitLock.unlock();
            }
            LOG.info("inference worker {}: partitions revoked {}", config.workerId(), revoked);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> lost) {
            synchronized (stateLock) {
                backlog.clear();
                batcher.clear();
                epoch++;
            }
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            LOG.info("inference worker {}: partitions assigned {}", config.workerId(), partitions);
            if (!partitions.isEmpty()) {
                assigned.countDown();
            }
        }
    }

    // ---------------------------------------------------------------- inference thread

    /**
     * The open transaction: it may span several batches. It commits as soon as no further batch is imminent (the
     * worker has caught up with the stream: low latency under light load) or when {@code commitInterval} has passed
     * since it began (under a backlog, so that the commit cost is shared by many batches). While it is open the
     * commit lock is held, so a rebalance waits for its commit.
     */
    private final class OpenTransaction {
        final long deadlineNanos = System.nanoTime() + config.commitInterval().toNanos();
        final Map<TopicPartition, OffsetAndMetadata> offsets = new LinkedHashMap<>();
        final List<long[]> predicted = new ArrayList<>();   // {queueMs, ingestedAtMs}
        final List<String> deadLettered = new ArrayList<>();
        final List<long[]> batches = new ArrayList<>();     // {size, inferenceNanos}
        ConsumerGroupMetadata group;
        boolean begun;
        int records;
    }

    /**
     * A batch answered by ONNX Runtime on the scoring thread, waiting for the commit thread to send it: the images
     * (failed ones included, so their dead letters and offsets go in the same transaction), each good image's
     * {@link Classifier.Scored} or error text, and what the predictions must name. The shadow part is null when no
     * shadow model answered.
     */
    private record ScoredBatch(List<PendingImage> images, Map<PendingImage, Object> outcome, ModelMetadata metadata,
                               String modelName, String version, String device, long batchStartMs, long inferenceNanos, int good,
                               ShadowScores shadow) {
    }

    /** The shadow model's answers to its share of a batch. */
    private record ShadowScores(List<PendingImage> images, List<Classifier.Scored> scored, ModelMetadata metadata,
                                String modelName, String version, long inferenceMs) {
    }

    /**
     * Scoring thread: takes batches in order, waits for their decoding, switches models between batches (the only
     * place the model changes) and runs ONNX Runtime; the commit thread sends and commits meanwhile, so a commit's
     * round trips do not stop inference.
     */
    private void scoreLoop() {
        ServingModel reported = serving.current(); // start() reported the start model
        try {
            while (running) {
                if (rewindNeeded) {
                    Thread.sleep(2); // the poll thread rewinds; what is batched now is dropped anyway
                    continue;
                }
                List<PendingImage> batch = batcher.nextBatch(POLL_TIMEOUT);
                if (batch.isEmpty()) {
                    continue;
                }
                scoring = true;
                long current = epoch;
                List<PendingImage> live = new ArrayList<>(batch.size());
                for (PendingImage p : batch) {
                    if (p.epoch() == current) {
                        p.awaitDecoded();
                        live.add(p);
                    }
                }
                if (live.isEmpty() || rewindNeeded) {
                    scoring = false;
                    continue;
                }
                ServingModel model = serving.forNextBatch();
                if (model != reported) {
                    reportServing(model);
                    reported = model;
                }
                ServingModel shadow = shadowSlot == null ? null : shadowSlot.forNextBatch();
                ScoredBatch scoredBatch = score(live, model, shadow);
                while (!scored.offer(scoredBatch, 50, TimeUnit.MILLISECONDS)) {
                    if (!running) {
                        return;
                    }
                }
                scoring = false;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Throwable t) {
            fail(t);
        } finally {
            stopped.countDown();
        }
    }

    private ScoredBatch score(List<PendingImage> batch, ServingModel model, ServingModel shadow) throws OrtException {
        long batchStart = System.currentTimeMillis();
        List<PendingImage> good = new ArrayList<>(batch.size());
        for (PendingImage p : batch) {
            if (!p.failed()) {
                good.add(p);
            }
        }
        long t0 = System.nanoTime();
        Map<PendingImage, Object> outcome = classify(good, model);
        long inferenceNanos = System.nanoTime() - t0;
        Classifier c = model.classifier();
        ShadowScores shadowScores = shadow == null ? null : scoreShadow(good, outcome, shadow);
        return new ScoredBatch(batch, outcome, c.metadata(), model.name(), model.version(), c.device().toString(), batchStart,
                inferenceNanos, good.size(), shadowScores);
    }

    /**
     * Answers the shadow model's share of the batch (chosen by {@link ShadowSampler}). A failing shadow model costs
     * its predictions, never the batch.
     */
    private ShadowScores scoreShadow(List<PendingImage> good, Map<PendingImage, Object> outcome, ServingModel shadow) {
        double fraction = swapper == null ? 0 : swapper.shadowFraction();
        List<PendingImage> chosen = new ArrayList<>();
        for (PendingImage p : good) {
            if (outcome.get(p) instanceof Classifier.Scored && ShadowSampler.inShadow(imageId(p), fraction)) {
                chosen.add(p);
            }
        }
        if (chosen.isEmpty()) {
            return null;
        }
        List<float[]> inputs = new ArrayList<>(chosen.size());
        chosen.forEach(p -> inputs.add(p.input()));
        long t0 = System.nanoTime();
        try {
            List<Classifier.Scored> scoredShadow = shadow.classifier().classify(inputs);
            return new ShadowScores(chosen, scoredShadow, shadow.classifier().metadata(), shadow.name(), shadow.version(),
                    (System.nanoTime() - t0) / 1_000_000);
        } catch (OrtException | RuntimeException e) {
            LOG.warn("inference worker {}: shadow model {} failed on {} images: {}", config.workerId(), shadow,
                    chosen.size(), e.toString());
            return null;
        }
    }

    /**
     * Commit thread: owns the producer. Sends each scored batch into the open transaction and commits it when no
     * further batch comes within the max wait (idle stream) or the commit interval has passed (backlog).
     */
    private void commitLoop() {
        OpenTransaction txn = null;
        try {
            while (running) {
                if (crashRequested && System.nanoTime() > crashDeadlineNanos) {
                    break;
                }
                if (rewindNeeded && txn == null) {
                    Thread.sleep(2);
                    continue;
                }
                // With a transaction open a batch is imminent (else it was committed): wait for it, but no longer
                // than a batch may take to form, nor past the commit deadline.
                long waitNanos = txn == null ? 100_000_000L
                        : Math.max(0, Math.min(txn.deadlineNanos - System.nanoTime(), config.maxWait().toNanos() + 1_000_000L));
                ScoredBatch batch = scored.poll(waitNanos, TimeUnit.NANOSECONDS);
                if (batch != null && !rewindNeeded) {
                    if (txn == null) {
                        // taken before reading the epoch: a rebalance that got the lock first has dropped these
                        commitLock.lock();
                        txn = new OpenTransaction();
                    }
                    // images read before a rebalance or rewind are dropped: their next owner reads them again
                    long current = epoch;
                    List<PendingImage> live = new ArrayList<>(batch.images().size());
                    for (PendingImage p : batch.images()) {
                        if (p.epoch() == current) {
                            live.add(p);
                        }
                    }
                    if (!live.isEmpty()) {
                        if (!send(txn, live, batch)) {
                            txn = null; // aborted and rewound; send released the lock
                            continue;
                        }
                    }
                }
                if (txn != null && (!batchImminent() || System.nanoTime() >= txn.deadlineNanos)) {
                    OpenTransaction done = txn;
                    txn = null;
                    if (finish(done)) {
                        break; // simulated crash: the transaction stays open
                    }
                }
            }
            if (txn != null && !crashRequested) {
                finish(txn); // graceful stop: commit what was already sent
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Throwable t) {
            fail(t);
        } finally {
            if (commitLock.isHeldByCurrentThread()) {
                commitLock.unlock();
            }
            if (crashRequested) {
                producer.close(Duration.ZERO);
            } else {
                try {
                    // an open, uncommitted transaction is aborted by closing: its records are re-read by the next owner
                    producer.close(Duration.ofSeconds(5));
                } catch (RuntimeException e) {
                    LOG.debug("closing producer", e);
                }
            }
            running = false;
            stopped.countDown();
        }
    }

    /**
     * Whether another batch will reach the commit thread without waiting for images to arrive: one is scored and
     * waiting, or being scored, or a full one waits in the batcher. When not, the stream has caught up and the open
     * transaction commits now (low latency under light load); under a backlog it keeps collecting batches until
     * the commit interval, so that the commit's round trips are shared by many batches.
     */
    private boolean batchImminent() {
        return !scored.isEmpty() || scoring || batcher.size() >= config.maxBatchSize();
    }

    /** The model info gauge follows the serving model: the new {model, version} is 1, the one it replaced 0. */
    private void reportServing(ServingModel model) {
        metrics.info("glimpse.inference.model.info", Tags.of("model", model.name(),
                "version", model.version()));
        LOG.info("inference worker {}: now serving {}", config.workerId(), model);
    }

    /**
     * Sends the predictions and dead letters of a scored batch's live images inside the open transaction.
     *
     * @return false when the transaction had to be aborted (the consumer then rewinds)
     */
    private boolean send(OpenTransaction txn, List<PendingImage> live, ScoredBatch batch) {
        ModelMetadata m = batch.metadata();
        long batchStart = batch.batchStartMs();
        long inferenceMs = batch.inferenceNanos() / 1_000_000;
        try {
            if (!txn.begun) {
                producer.beginTransaction();
                txn.begun = true;
            }
            int predicted = 0;
            for (PendingImage p : live) {
                txn.offsets.put(p.partition(), new OffsetAndMetadata(p.offset() + 1));
                Object o = p.failed() ? null : batch.outcome().get(p);
                if (o instanceof Classifier.Scored s) {
                    long now = System.currentTimeMillis();
                    long ingested = ingestedAt(p);
                    Prediction prediction = prediction(p, s, m, batch.modelName(), batch.version(), batch.device(), batchStart - ingested,
                            inferenceMs, now - ingested, batch.good(), now, ingested);
                    producer.send(new ProducerRecord<>(catalog.predictions().name(), key(p), prediction.toByteArray()));
                    txn.predicted.add(new long[] {batchStart - ingested, ingested});
                    predicted++;
                } else {
                    String reason = p.failed() ? p.failureReason() : "inference-failed";
                    String detail = p.failed() ? p.failureDetail() : String.valueOf(o);
                    producer.send(new ProducerRecord<>(catalog.deadletter().name(), key(p),
                            deadLetter(p, reason, detail).toByteArray()));
                    txn.deadLettered.add(reason);
                }
            }
            if (batch.shadow() != null) {
                sendShadowPredictions(batch, live);
            }
            txn.group = live.get(live.size() - 1).group();
            txn.records += live.size();
            if (predicted > 0) {
                txn.batches.add(new long[] {batch.good(), batch.inferenceNanos()});
            }
            return true;
        } catch (KafkaException e) {
            abortAndRewind(txn, e);
            return false;
        }
    }

    private static long ingestedAt(PendingImage p) {
        return p.event().getIngestedAtMs() > 0 ? p.event().getIngestedAtMs() : p.polledAtMs();
    }

    /** Sends the shadow model's answers (of the batch's live images) to the shadow topic in the open transaction. */
    private void sendShadowPredictions(ScoredBatch batch, List<PendingImage> live) {
        ShadowScores shadow = batch.shadow();
        java.util.Set<PendingImage> alive = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        alive.addAll(live);
        int sent = 0;
        for (int i = 0; i < shadow.images().size(); i++) {
            PendingImage p = shadow.images().get(i);
            if (!alive.contains(p)) {
                continue;
            }
            long now = System.currentTimeMillis();
            long ingested = ingestedAt(p);
            Prediction prediction = prediction(p, shadow.scored().get(i), shadow.metadata(), shadow.modelName(), shadow.version(),
                    batch.device(), batch.batchStartMs() - ingested, shadow.inferenceMs(), now - ingested,
                    shadow.images().size(), now, ingested).toBuilder().setShadow(true).build();
            producer.send(new ProducerRecord<>(catalog.predictionsShadow().name(), key(p), prediction.toByteArray()));
            sent++;
        }
        registry.counter("glimpse.inference.shadow.predictions", "version", shadow.version()).increment(sent);
    }

    /**
     * Commits the consumed offsets with the transaction and counts what it contained.
     *
     * @return true when a simulated crash left the transaction open instead
     */
    private boolean finish(OpenTransaction txn) {
        try {
            if (!txn.begun) {
                return false;
            }
            if (crashRequested) {
                // Simulated crash after the sends reached the log: the transaction is left open, nothing committed.
                producer.flush();
                LOG.warn("inference worker {}: simulated crash with a transaction of {} records open",
                        config.workerId(), txn.records);
                return true;
            }
            producer.sendOffsetsToTransaction(txn.offsets, txn.group);
            producer.commitTransaction();
        } catch (ProducerFencedException | InvalidProducerEpochException | OutOfOrderSequenceException
                 | AuthorizationException | UnsupportedVersionException e) {
            // Another instance took our transactional id, or the producer cannot continue: stop, do not write.
            throw new IllegalStateException("inference worker " + config.workerId()
                    + " cannot continue its transactions: " + e.getMessage(), e);
        } catch (KafkaException e) {
            abortAndRewind(txn, e);
            return false;
        } finally {
            if (commitLock.isHeldByCurrentThread()) {
                commitLock.unlock();
            }
        }
        long committedAt = System.currentTimeMillis();
        transactions.incrementAndGet();
        metrics.transaction("committed");
        for (long[] b : txn.batches) {
            metrics.batch((int) b[0], b[1]);
        }
        for (long[] t : txn.predicted) {
            metrics.predicted(t[0], committedAt - t[1]);
        }
        predictions.addAndGet(txn.predicted.size());
        for (String r : txn.deadLettered) {
            metrics.deadLettered(r);
        }
        deadLetters.addAndGet(txn.deadLettered.size());
        return false;
    }

    private void abortAndRewind(OpenTransaction txn, KafkaException cause) {
        LOG.warn("inference worker {}: transaction of {} records failed, aborting and rewinding: {}",
                config.workerId(), txn.records, cause.toString());
        metrics.transaction("aborted");
        try {
            if (txn.begun) {
                producer.abortTransaction();
            }
        } catch (KafkaException abortFailure) {
            throw new IllegalStateException("cannot abort transaction: " + abortFailure.getMessage(), abortFailure);
        } finally {
            synchronized (stateLock) {
                rewindNeeded = true;
                batcher.clear();
            }
            if (commitLock.isHeldByCurrentThread()) {
                commitLock.unlock();
            }
        }
    }

    /**
     * Runs ONNX Runtime on the batch; on failure the error code decides: rebuild the session and retry, retry, or
     * isolate the failing images one by one. Returns for each image its {@link Classifier.Scored} or the error text.
     */
    private Map<PendingImage, Object> classify(List<PendingImage> good, ServingModel model) throws OrtException {
        Map<PendingImage, Object> out = new HashMap<>();
        if (good.isEmpty()) {
            return out;
        }
        List<float[]> inputs = new ArrayList<>(good.size());
        good.forEach(p -> inputs.add(p.input()));
        try {
            List<Classifier.Scored> scored = model.classifier().classify(inputs);
            for (int i = 0; i < good.size(); i++) {
                out.put(good.get(i), scored.get(i));
            }
            return out;
        } catch (OrtException e) {
            OrtFailurePolicy.Action action = OrtFailurePolicy.decide(e);
            LOG.warn("inference worker {}: ONNX Runtime failed on a batch of {} ({}): {} -> {}", config.workerId(),
                    good.size(), e.getCode(), e.getMessage(), action);
            if (action == OrtFailurePolicy.Action.REBUILD_SESSION) {
                model.rebuild();
            }
        }
        // Retry image by image: a transient failure passes, a bad input is isolated and dead-lettered.
        for (PendingImage p : good) {
            try {
                out.put(p, model.classifier().classify(List.of(p.input())).get(0));
            } catch (OrtException e) {
                out.put(p, "ONNX Runtime error " + e.getCode() + ": " + e.getMessage());
            }
        }
        return out;
    }

    private Prediction prediction(PendingImage p, Classifier.Scored s, ModelMetadata m, String modelName, String version,
                                  String device,
                                  long queueMs,
                                  long inferenceMs, long endToEndMs, int batchSize, long now, long ingested) {
        Prediction.Builder b = Prediction.newBuilder()
                .setImageId(imageId(p))
                .setModelName(modelName)
                .setModelVersion(version)
                .setTimings(Timings.newBuilder().setQueueMs(Math.max(0, queueMs)).setInferenceMs(inferenceMs)
                        .setEndToEndMs(Math.max(0, endToEndMs)).setBatchSize(batchSize))
                .setPredictedAtMs(now)
                .setLabel(p.event().getLabel())
                .setDevice(device)
                .setWorkerId(config.workerId())
                .setIngestedAtMs(ingested);
        for (int idx : ClassScores.topK(s.probabilities(), config.topK())) {
            b.addTopK(ClassScore.newBuilder().setClassIndex(idx).setClassName(m.labelOf(idx))
                    .setProbability(s.probabilities()[idx]).setLogit(s.logits()[idx]));
        }
        for (float v : s.embedding()) {
            b.addEmbedding(v);
        }
        return b.build();
    }

    private DeadLetter deadLetter(PendingImage p, String reason, String detail) {
        DeadLetter.Builder b = deadLetterBuilder().build(reason, detail, imageId(p), p.value())
                .setSourceTopic(p.partition().topic())
                .setSourcePartition(p.partition().partition())
                .setSourceOffset(p.offset());
        if (p.key() != null) {
            b.setOriginalKey(ByteString.copyFrom(p.key()));
        }
        return b.build();
    }

    /** Builds dead letters with the platform's conventions (original bytes capped, size kept); sent in our transaction. */
    private DeadLetterPublisher deadLetterBuilder() {
        DeadLetterPublisher d = deadLetterPublisher;
        if (d == null) {
            d = new DeadLetterPublisher(producer, catalog.deadletter(), registry, "inference");
            deadLetterPublisher = d;
        }
        return d;
    }

    private static String imageId(PendingImage p) {
        if (p.event() != null && !p.event().getImageId().isEmpty()) {
            return p.event().getImageId();
        }
        return p.key() == null ? "" : new String(p.key(), StandardCharsets.UTF_8);
    }

    private static byte[] key(PendingImage p) {
        return p.key() != null ? p.key() : imageId(p).getBytes(StandardCharsets.UTF_8);
    }

    // ---------------------------------------------------------------- lifecycle helpers

    private void fail(Throwable t) {
        if (failure.compareAndSet(null, t)) {
            LOG.error("inference worker {} stopped: {}", config.workerId(), t.toString(), t);
        }
        running = false;
    }

    private static void joinQuietly(Thread t) {
        if (t == null || t == Thread.currentThread()) {
            return;
        }
        try {
            t.join(30_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
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
        closeSlots();
    }
}
