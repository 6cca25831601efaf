package dev.glimpse.ingest;

import dev.glimpse.contracts.TopicCatalog;
import dev.glimpse.ingest.http.IngestHttpServer;
import dev.glimpse.ingest.http.ResultsApi;
import dev.glimpse.ingest.results.ResultsJson;
import dev.glimpse.ingest.results.PredictionReplies;
import dev.glimpse.ingest.results.PredictionResults;
import dev.glimpse.platform.config.StreamsKeys;
import dev.glimpse.platform.kafka.LabelRange;
import java.util.Properties;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.LogAndContinueExceptionHandler;
import dev.glimpse.ingest.source.DatasetReplay;
import dev.glimpse.ingest.source.DirectoryWatcher;
import dev.glimpse.ingest.source.SourceProgress;
import dev.glimpse.platform.GlimpseService;
import dev.glimpse.platform.http.BearerAuth;
import dev.glimpse.platform.config.PlatformConfig;
import dev.glimpse.platform.kafka.DeadLetterPublisher;
import dev.glimpse.platform.kafka.KafkaClients;
import dev.glimpse.platform.kafka.TopicCreator;
import dev.glimpse.platform.metrics.KafkaClientMeters;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.URI;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ingest: accepts images over HTTP, from a watched directory and by dataset replay, validates each from its header
 * before decoding, and publishes it to {@code images} — or to {@code deadletter} with a machine-readable reason.
 */
public final class IngestService implements GlimpseService {

    private static final Logger log = LoggerFactory.getLogger(IngestService.class);

    private final IngestConfig config;
    private final MeterRegistry registry;
    private final KafkaClients clients;
    private final List<AutoCloseable> resources = new ArrayList<>();
    private Producer<byte[], byte[]> producer;
    private Ingestor ingestor;
    private IngestHttpServer http;
    private DirectoryWatcher watcher;
    private DatasetReplay replay;
    private PredictionResults results;
    private PredictionReplies replies;
    private ResultsApi resultsApi;
    private volatile boolean running;
    private BearerAuth givenAuth;

    public IngestService(IngestConfig config, MeterRegistry registry) {
        this(config, registry, PlatformConfig.kafkaClients(config.config()));
    }

    public IngestService(IngestConfig config, MeterRegistry registry, KafkaClients clients) {
        this.config = config;
        this.registry = registry;
        this.clients = clients;
    }

    /**
     * Uses {@code given} for the write endpoints instead of the configuration's {@code auth.*} keys (a host running
     * several services decides once for all of them, e.g. the demo). Call before {@link #start()}.
     */
    public IngestService withAuth(BearerAuth given) {
        this.givenAuth = given;
        return this;
    }

    @Override
    public String name() {
        return "ingest";
    }

    @Override
    public synchronized void start() {
        if (ingestor != null) {
            throw new IllegalStateException("ingest already started");
        }
        try {
            startSources();
        } catch (RuntimeException e) {
            // Half-started (e.g. the HTTP port is taken): release what was opened before reporting.
            close();
            ingestor = null;
            throw e;
        }
    }

    private void startSources() {
        TopicCatalog catalog = config.catalog();
        // refuses a missing token before Kafka is touched
        BearerAuth auth = config.httpPort() < 0 ? null : givenAuth != null ? givenAuth : config.auth();
        createTopics(catalog);
        producer = clients.producer("glimpse-ingest");
        resources.add(producer);
        resources.add(KafkaClientMeters.bind(registry, producer, name()));
        DeadLetterPublisher deadLetters = new DeadLetterPublisher(producer, catalog.deadletter(), registry, name());
        LabelRange labels = LabelRange.following(clients, catalog, config.numClasses(), IngestConfig.NUM_CLASSES,
                "glimpse-ingest-models");
        resources.add(labels);
        labels.start();
        ingestor = new Ingestor(producer, catalog, config.validator(), deadLetters, registry, Clock.systemUTC(),
                labels, config.imageIds());
        if (config.httpPort() >= 0) {
            resultsApi = config.results() ? new ResultsApi(new ResultsJson(config.artifactsUrl())) : null;
            http = IngestHttpServer.start(ingestor, registry, config.httpSettings(), auth, config.httpPort(), resultsApi);
            resources.add(http);
            log.info("ingest HTTP on {} (POST /v1/images, POST /v1/labels)", http.boundAddress());
            if (config.results()) {
                startResults(catalog, http.port());
            }
        }
        config.watchDir().ifPresent(dir -> {
            TransactionalSource source = transactionalSource(catalog, DirectoryWatcher.sourceKey(dir));
            watcher = new DirectoryWatcher(dir, config.watchInterval(), source.ingestor(), source.progress());
            watcher.start();
            resources.add(watcher);
        });
        config.dataset().ifPresent(spec -> startReplay(spec, catalog));
        running = true;
    }

    /** The ingestor and position of a resumable source, both on the source's own transactional producer. */
    private record TransactionalSource(Ingestor ingestor, SourceProgress progress) {
    }

    /**
     * A resumable source (replay, watched directory) sends through its own transactional producer and ingestor, so
     * that its images and its position in {@code ingest-state} commit together (see {@link SourceProgress}); HTTP
     * uploads stay non-transactional.
     */
    private TransactionalSource transactionalSource(TopicCatalog catalog, String source) {
        // One request in flight: the first write of a transaction to a partition adds the partition to it (transactions
        // v2), and batches pipelined behind it are refused as out of order and retried after a back-off, which at
        // 10 commits per second stalled the replay (seen: 30 images/s instead of 200 on a 3-node cluster).
        Producer<byte[], byte[]> sourceProducer = clients.transactionalProducer(
                SourceProgress.transactionalId(catalog.prefix(), source), new ByteArraySerializer(), new ByteArraySerializer(),
                Map.of(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1));
        resources.add(sourceProducer);
        DeadLetterPublisher deadLetters = new DeadLetterPublisher(sourceProducer, catalog.deadletter(), registry, name());
        Ingestor sourceIngestor = new Ingestor(sourceProducer, catalog, config.validator(), deadLetters, registry,
                Clock.systemUTC(), config.numClasses());
        SourceProgress progress = new SourceProgress(sourceProducer, clients, catalog.ingestState(), source,
                config.commitInterval(), Clock.systemUTC());
        return new TransactionalSource(sourceIngestor, progress);
    }

    private void startReplay(String spec, TopicCatalog catalog) {
        TransactionalSource source = transactionalSource(catalog, "replay:" + spec + ":" + config.datasetSplit());
        replay = new DatasetReplay(DatasetReplay.open(spec, config.datasetSplit()), source.ingestor(), source.progress(),
                config.rate(), config.limit(), config.feedbackFraction(), config.seed());
        resources.add(replay);
        replay.start();
        log.info("replaying {} at {} events/s", replay.dataset().name(), config.rate() == 0 ? "max" : config.rate());
    }

    /**
     * The results API's two halves: the replies feed (request–reply for {@code ?wait=}) and the Streams store,
     * advertised at this instance's HTTP address so that other instances can forward by-id requests to it.
     */
    private void startResults(TopicCatalog catalog, int httpPort) {
        replies = new PredictionReplies("glimpse-ingest-replies-" + httpPort, clients, catalog);
        resources.add(replies);
        replies.start();
        Properties props = StreamsKeys.properties(config.config(), applicationId(catalog));
        props.put(StreamsConfig.APPLICATION_SERVER_CONFIG, config.advertisedHost() + ":" + httpPort);
        props.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, LogAndContinueExceptionHandler.class);
        results = new PredictionResults(props, catalog, config.resultsRetention());
        resources.add(results);
        results.start();
        resultsApi.attach(results, replies);
    }

    /** The results store's Streams application id: one per topic prefix. */
    public static String applicationId(TopicCatalog catalog) {
        return catalog.prefix().replaceAll("[^a-zA-Z0-9._-]", "-") + "glimpse-ingest-results";
    }

    /** The results store, when the HTTP port is on and {@code ingest.results} is true. */
    public Optional<PredictionResults> results() {
        return Optional.ofNullable(results);
    }

    /** The request–reply feed of {@code POST /v1/images?wait=}, with {@link #results()}. */
    public Optional<PredictionReplies> replies() {
        return Optional.ofNullable(replies);
    }

    /** Creates missing topics with replication factor min(3, brokers), so one-node clusters work too. */
    private void createTopics(TopicCatalog catalog) {
        try (Admin admin = clients.admin("glimpse-ingest-admin")) {
            int brokers = admin.describeCluster().nodes().get(30, TimeUnit.SECONDS).size();
            TopicCreator.createMissing(admin, catalog, (short) Math.max(1, Math.min(3, brokers)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topics", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot reach Kafka at " + clients.bootstrapServers() + ": " + e.getMessage(), e);
        }
    }

    public IngestConfig config() {
        return config;
    }

    /** The ingest rule itself, for callers in the same JVM (e.g. the demo or a test). */
    public Ingestor ingestor() {
        requireStarted();
        return ingestor;
    }

    /** The HTTP endpoint, when {@code ingest.http.port} is not -1. */
    public Optional<URI> httpUri() {
        return Optional.ofNullable(http).map(IngestHttpServer::uri);
    }

    public Optional<DirectoryWatcher> watcher() {
        return Optional.ofNullable(watcher);
    }

    public Optional<DatasetReplay> replay() {
        return Optional.ofNullable(replay);
    }

    private void requireStarted() {
        if (ingestor == null) {
            throw new IllegalStateException("ingest is not started");
        }
    }

    /** Started and not closed (the sources run on their own threads until {@link #close()}). */
    @Override
    public boolean isRunning() {
        return running;
    }

    /** Stops the sources first (no new events), then flushes and closes the producer. */
    @Override
    public synchronized void close() {
        running = false;
        for (int i = resources.size() - 1; i >= 0; i--) {
            try {
                resources.get(i).close();
            } catch (Exception e) {
                log.warn("closing {} failed", resources.get(i), e);
            }
        }
        resources.clear();
    }
}
