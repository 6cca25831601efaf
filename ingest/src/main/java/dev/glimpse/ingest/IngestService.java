package dev.glimpse.ingest;

import dev.glimpse.contracts.TopicCatalog;
import dev.glimpse.ingest.http.IngestHttpServer;
import dev.glimpse.ingest.source.DatasetReplay;
import dev.glimpse.ingest.source.DirectoryWatcher;
import dev.glimpse.platform.GlimpseService;
import dev.glimpse.platform.kafka.DeadLetterPublisher;
import dev.glimpse.platform.kafka.KafkaClients;
import dev.glimpse.platform.kafka.TopicCreator;
import dev.glimpse.platform.metrics.KafkaClientMeters;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.URI;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.Producer;
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
    private volatile boolean running;

    public IngestService(IngestConfig config, MeterRegistry registry) {
        this(config, registry, new KafkaClients(config.bootstrapServers()));
    }

    public IngestService(IngestConfig config, MeterRegistry registry, KafkaClients clients) {
        this.config = config;
        this.registry = registry;
        this.clients = clients;
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
        createTopics(catalog);
        producer = clients.producer("glimpse-ingest");
        resources.add(producer);
        resources.add(KafkaClientMeters.bind(registry, producer, name()));
        DeadLetterPublisher deadLetters = new DeadLetterPublisher(producer, catalog.deadletter(), registry, name());
        ingestor = new Ingestor(producer, catalog, config.validator(), deadLetters, registry, Clock.systemUTC(),
                config.numClasses());
        if (config.httpPort() >= 0) {
            http = IngestHttpServer.start(ingestor, registry, config.httpSettings(), config.httpPort());
            resources.add(http);
            log.info("ingest HTTP on {} (POST /v1/images, POST /v1/labels)", http.boundAddress());
        }
        config.watchDir().ifPresent(dir -> {
            watcher = new DirectoryWatcher(dir, config.watchInterval(), ingestor);
            watcher.start();
            resources.add(watcher);
        });
        config.dataset().ifPresent(spec -> {
            replay = new DatasetReplay(DatasetReplay.open(spec, config.datasetSplit()), ingestor, config.rate(),
                    config.limit(), config.feedbackFraction(), config.seed());
            resources.add(replay);
            replay.start();
            log.info("replaying {} at {} events/s", replay.dataset().name(), config.rate() == 0 ? "max" : config.rate());
        });
        running = true;
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
