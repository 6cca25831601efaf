package dev.glimpse.launcher.commands;

import dev.glimpse.contracts.TopicCatalog;
import dev.glimpse.datasets.FashionMnist;
import dev.glimpse.launcher.GlimpseCommand;
import dev.glimpse.launcher.KafkaLogs;
import dev.glimpse.launcher.demo.DefaultModels;
import dev.glimpse.launcher.demo.DemoContext;
import dev.glimpse.launcher.demo.DemoServices;
import dev.glimpse.launcher.demo.PredictionTally;
import dev.glimpse.launcher.demo.ShutdownSignal;
import dev.glimpse.launcher.demo.StartupProgress;
import dev.glimpse.platform.GlimpseService;
import dev.glimpse.ingest.source.DatasetReplay;
import dev.glimpse.launcher.demo.BrokerChaos;
import dev.glimpse.launcher.demo.PredictionsAudit;
import dev.glimpse.launcher.demo.ReplayRun;
import dev.glimpse.platform.config.ConfigException;
import dev.glimpse.platform.kafka.EmbeddedKafkaCluster;
import dev.glimpse.registry.objectstore.ObjectStore;
import dev.glimpse.registry.objectstore.ObjectStoreConfig;
import dev.glimpse.registry.objectstore.ObjectStoreException;
import dev.glimpse.platform.kafka.KafkaClients;
import dev.glimpse.platform.http.HttpSettings;
import dev.glimpse.platform.metrics.MetricsServer;
import dev.glimpse.runtime.ExecutionDevice;
import dev.glimpse.runtime.MissingModelContractException;
import dev.glimpse.runtime.ModelMetadata;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code ./glimpse demo}: a real Kafka broker (KRaft, embedded) and every service in one JVM, replaying a dataset,
 * with a live status line on stderr and {@code /metrics}; {@code --events N} stops after N images and prints a summary.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Embedded Kafka broker + ingest + inference + explain worker + console + monitoring in one JVM, replaying a dataset; live status on stderr.")
public final class DemoCommand implements GlimpseCommand, Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--events", defaultValue = "0", description = "stop after this many images and print a summary; 0 = run until Ctrl-C (default: ${DEFAULT-VALUE})")
    long events;

    @Option(names = "--dataset", description = "fashion-mnist, shapes or scenes (default: fashion-mnist when installed, else shapes)")
    String dataset;

    @Option(names = "--data-dir", defaultValue = "data", description = "Kafka data and extracted models (default: ${DEFAULT-VALUE})")
    Path dataDir;

    @Option(names = "--http-port", defaultValue = "8080", description = "web console port (default: ${DEFAULT-VALUE})")
    int httpPort;

    @Option(names = "--ingest-port", defaultValue = "8081", description = "ingest API POST /v1/images; 0 = any free port, -1 = off (default: ${DEFAULT-VALUE})")
    int ingestPort;

    @Option(names = "--metrics-port", defaultValue = "9400", description = "Prometheus /metrics of every service; 0 = any free port (default: ${DEFAULT-VALUE})")
    int metricsPort;

    @Option(names = "--kafka-port", defaultValue = "9092", description = "embedded broker port when free, else any free port; "
            + "with --brokers N the first node's, the others the next ports when free (default: ${DEFAULT-VALUE})")
    int kafkaPort;

    @Option(names = "--brokers", defaultValue = "1", description = "embedded Kafka nodes (KRaft, each broker and controller); "
            + "from 3 on, topics have 3 replicas and min.insync.replicas=2 (default: ${DEFAULT-VALUE})")
    int brokers;

    @Option(names = "--kill-broker-at", defaultValue = "0", description = "after this many events stop the broker leading the "
            + "most partitions, as a crash would (needs --brokers 2 or more); 0 = never (default: ${DEFAULT-VALUE})")
    long killBrokerAt;

    @Option(names = "--restart-broker-after", defaultValue = "-1", description = "seconds after --kill-broker-at until "
            + "the broker starts again on its data; -1 = it stays down (default: ${DEFAULT-VALUE})")
    double restartBrokerAfter;

    @Option(names = "--rate", description = "replayed images per second, 0 = as fast as possible (default: 200; 50 with --feedback, "
            + "so that the retrains land while the stream still runs)")
    Double rate;

    @Option(names = "--model", description = "ONNX classifier (default: models/<dataset>/model.onnx, else the bundled Fashion-MNIST MLP; "
            + "with --feedback: " + "models/fashion-mnist-first-five/model.onnx, a model that knows only classes 0-4)")
    Path model;

    @Option(names = "--device", defaultValue = "auto", description = "cpu, cuda[:N] or auto (default: ${DEFAULT-VALUE})")
    String device;

    @Option(names = "--workers", defaultValue = "1", description = "inference workers in the consumer group (default: ${DEFAULT-VALUE})")
    int workers;

    @Option(names = "--explain-policy", defaultValue = "sample:0.1,low-confidence:0.5",
            description = "predictions the explain worker explains: all, sample:<rate>, low-confidence:<p>, disagreement, "
                    + "on-demand (comma-separated: any of them), or off (default: ${DEFAULT-VALUE})")
    String explainPolicy;

    @Option(names = "--feedback", defaultValue = "0", description = "share of replayed images whose label is sent as feedback (0..1); above 0 the training service retrains and publishes models that the workers hot-swap (default: ${DEFAULT-VALUE})")
    double feedback;

    /**
     * Where {@code --feedback} starts without {@code --model}: a model trained on Fashion-MNIST classes 0-4 only
     * (models/README.md), so the labels have something to teach. Fine-tuning the default classifier on a few hundred
     * labels rarely beats it on the holdout by the promotion margin, and then the loop shows no promotion.
     */
    static final Path FEEDBACK_START_MODEL = DefaultModels.MODELS_ROOT.resolve("fashion-mnist-first-five").resolve("model.onnx");

    @Option(names = "--store", defaultValue = "file:", description = "where model versions and explanation artifacts also "
            + "go, for services on other hosts: file: (this data directory only) or s3://bucket/prefix (key store.uri; "
            + "credentials from the AWS SDK's default chain) (default: ${DEFAULT-VALUE})")
    String store;

    @Option(names = "--store-endpoint", defaultValue = "", description = "with --store s3://...: the URL of an S3-compatible "
            + "server (MinIO, Ceph: http://host:9000), addressed path-style (keys store.s3.endpoint, store.s3.path.style); "
            + "empty = AWS S3 (default: empty)")
    String storeEndpoint;

    @Option(names = "--store-region", defaultValue = "us-east-1", description = "with --store s3://...: the S3 region "
            + "(key store.s3.region) (default: ${DEFAULT-VALUE})")
    String storeRegion;
    @Option(names = "--no-auth", description = "no bearer token on the write endpoints of ingest and the console: "
            + "local experiments only (no <data-dir>/token is made; one WARN line)")
    boolean noAuth;

    @Option(names = "--timeout-seconds", defaultValue = "600", description = "with --events: give up when no progress for this long (default: ${DEFAULT-VALUE})")
    long timeoutSeconds;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        KafkaLogs.errorsOnly();
        String ds = dataset != null ? dataset : FashionMnist.isAvailable() ? "fashion-mnist" : "shapes";
        if (!ds.equals("fashion-mnist") && !ds.equals("shapes") && !ds.equals("scenes")) {
            throw new IllegalArgumentException("--dataset must be fashion-mnist, shapes or scenes, got '" + ds + "'");
        }
        if (events < 0 || workers < 1) {
            throw new IllegalArgumentException("--events must be >= 0 and --workers >= 1");
        }
        if (!(feedback >= 0 && feedback <= 1)) {
            throw new IllegalArgumentException("--feedback must be in 0..1, got '" + feedback + "'");
        }
        if (feedback > 0 && !ds.equals("fashion-mnist") && !ds.equals("scenes")) {
            throw new IllegalArgumentException("--feedback needs --dataset fashion-mnist or scenes (the training service's classes)");
        }
        double replayRate = rate != null ? rate : feedback > 0 ? 50 : 200;
        if (!(replayRate >= 0)) {
            throw new IllegalArgumentException("--rate must be >= 0, got '" + replayRate + "'");
        }
        Path modelFile = model == null && feedback > 0 && Files.isRegularFile(FEEDBACK_START_MODEL)
                ? FEEDBACK_START_MODEL : DefaultModels.resolve(model, ds, dataDir);
        if (model != null) {
            try {
                ModelMetadata.requireContract(modelFile);
            } catch (MissingModelContractException | java.io.IOException e) {
                System.err.println("glimpse demo: " + e.getMessage());
                return 2;
            }
        }
        if (model == null && feedback > 0) {
            System.err.println(modelFile.equals(FEEDBACK_START_MODEL)
                    ? "glimpse demo: --feedback starts from " + FEEDBACK_START_MODEL + ", a model that knows only classes 0-4 "
                            + "(accuracy <= 0.5 on all ten); the training service fine-tunes it on the labels (--model M.onnx to start elsewhere)"
                    : "glimpse demo: " + FEEDBACK_START_MODEL + " not found; --feedback starts from " + modelFile);
        }
        if (brokers < 1 || brokers > 9) {
            throw new IllegalArgumentException("--brokers must be in 1..9, got " + brokers);
        }
        if (killBrokerAt > 0 && brokers < 2) {
            System.err.println("glimpse demo: --kill-broker-at needs --brokers 2 or more (3 for replicas on every other node)");
            return 2;
        }
        Map<String, Object> storeKeys = storeKeys();
        try {
            // the keys are validated, and the bucket reached, before anything starts: one line when it cannot be
            DemoContext.storeSettings(storeKeys).open().ifPresent(ObjectStore::close);
        } catch (ConfigException | ObjectStoreException e) {
            System.err.println("glimpse demo: " + e.getMessage());
            return 2;
        }
        TopicCatalog catalog = TopicCatalog.defaults();
        if (noAuth) {
            System.err.println("glimpse demo: WARN authentication is OFF (--no-auth): anyone who reaches the ingest or "
                    + "console port can upload, label, explain and evict (local experiments only)");
        } else {
            Path token = TokenFile.ensure(dataDir.resolve("token")); // the write endpoints' bearer token, mode 0600
            System.err.println("glimpse demo: bearer token of the write endpoints in " + token.toAbsolutePath()
                    + " (curl -H \"Authorization: Bearer $(cat " + token + ")\" ...; the console asks for it once)");
        }
        List<GlimpseService> started = new ArrayList<>();
        long t0 = System.nanoTime();
        PredictionTally tally = null;
        BrokerChaos chaos = null;
        try (ShutdownSignal shutdown = new ShutdownSignal();
             EmbeddedKafkaCluster broker = startKafka(catalog);
             MetricsServer metrics = MetricsServer.start(MetricsServer.newRegistry("demo"), HttpSettings.LOOPBACK, metricsPort)) {
            PrometheusMeterRegistry registry = metrics.registry();
            DemoContext context = new DemoContext(broker.bootstrapServers(), catalog, registry, dataDir, modelFile, ds,
                    ExecutionDevice.parse(device), events, replayRate, httpPort, ingestPort, workers, explainPolicy, feedback,
                    storeKeys, !noAuth);
            try {
                for (GlimpseService s : DemoServices.create(context)) {
                    started.add(s);
                    StartupProgress.starting(s);
                    s.start();
                    metrics.addHealth(s.name() + "-" + started.size(), s::health);
                    StartupProgress.awaitingPartitions(s);
                    if (!s.awaitReady(Duration.ofSeconds(30))) {
                        System.err.println("glimpse demo: " + s.name() + " got no partitions within 30 s; going on");
                    }
                }
                StartupProgress.done();
                Optional<ReplayRun> run = ReplayRun.of(started, Duration.ofSeconds(120));
                tally = run.isPresent() && events > 0
                        ? new PredictionTally(new KafkaClients(broker.bootstrapServers()), catalog, run.get().startedAtMs(), run.get()::owns)
                        : new PredictionTally(new KafkaClients(broker.bootstrapServers()), catalog);
                if (killBrokerAt > 0) {
                    chaos = new BrokerChaos(broker, killBrokerAt, restartBrokerAfter, tally::done).start();
                }
                run.filter(r -> r.resumedAt() > 0).ifPresent(r -> System.err.printf(
                        "glimpse demo: resuming run %s at event %d (the events before were published by an earlier start)%n",
                        r.runId(), r.resumedAt()));
                System.err.printf("glimpse demo: Kafka on %s (data in %s), replaying %s at %s images/s, model %s; "
                                + "store %s; metrics on %s/metrics; %s%n", broker.describe(), broker.dataDir(), ds,
                        replayRate == 0 ? "max" : String.format(Locale.ROOT, "%.0f", replayRate), DefaultModels.describe(modelFile),
                        store + (storeEndpoint.isEmpty() ? "" : " at " + storeEndpoint), metrics.uri(), events > 0 ? "stops after " + events + " images" : "Ctrl-C stops");
                int code = watch(shutdown, tally, started);
                boolean interrupted = shutdown.requested();
                if (code == 0 && events > 0 && !interrupted) {
                    // a bounded run: let every service finish what the last events gave it (the training runs the
                    // last labels trigger, the explanations of the last predictions) before the summary
                    awaitIdle(started);
                }
                PredictionTally.Snapshot s = tally.snapshot();
                System.err.println();
                out.println(summary(s, (System.nanoTime() - t0) / 1e9));
                if (chaos != null) {
                    chaos.close();
                    chaos.summaryLine().ifPresent(out::println);
                }
                if (s.versions().size() > 1 || feedback > 0) {
                    out.println(versionSummary(s));
                }
                // in reverse start order: the training runs before the explanations, as the demo always printed them
                for (int i = started.size() - 1; i >= 0; i--) {
                    started.get(i).summaryLine().ifPresent(out::println);
                }
                if (code == 0 && events > 0 && !interrupted && run.isPresent()) {
                    out.println(audit(broker, catalog, run.get()));
                }
                out.flush();
                return code;
            } finally {
                if (chaos != null) {
                    chaos.close();
                }
                if (tally != null) {
                    tally.close();
                }
                StartupProgress.stop(started);
            }
        }
    }

    /**
     * The {@code store.*} keys of every service from the options: a bucket on an S3-compatible endpoint is addressed
     * path-style; objects read from the bucket are cached under {@code <data-dir>/store-cache}.
     */
    private Map<String, Object> storeKeys() {
        Map<String, Object> keys = new LinkedHashMap<>();
        keys.put(ObjectStoreConfig.URI_KEY, store);
        keys.put(ObjectStoreConfig.S3_ENDPOINT, storeEndpoint);
        keys.put(ObjectStoreConfig.S3_REGION, storeRegion);
        keys.put(ObjectStoreConfig.S3_PATH_STYLE, !storeEndpoint.isBlank());
        keys.put(ObjectStoreConfig.CACHE_DIR, dataDir.resolve("store-cache").toString());
        return keys;
    }

    /** The embedded Kafka: one broker under {@code <data>/kafka}, or N nodes under {@code <data>/kafka-N-nodes/node-i}. */
    private EmbeddedKafkaCluster startKafka(TopicCatalog catalog) {
        Path dir = brokers == 1 ? dataDir.resolve("kafka") : dataDir.resolve("kafka-" + brokers + "-nodes");
        return EmbeddedKafkaCluster.builder().nodes(brokers).dataDir(dir).preferredPort(kafkaPort).topics(catalog).start();
    }

    /** The summary's last line: the run's predictions counted on the topic, read_committed, against its published images. */
    private static String audit(EmbeddedKafkaCluster kafka, TopicCatalog catalog, ReplayRun run) throws Exception {
        DatasetReplay.Stats stats = run.replay().done().get(60, TimeUnit.SECONDS);
        return PredictionsAudit.of(new KafkaClients(kafka.bootstrapServers()), catalog, run, stats.published()).line();
    }

    /** Prints the status line every second until N images are done, Ctrl-C, or a service fails. */
    private int watch(ShutdownSignal shutdown, PredictionTally tally, List<GlimpseService> services) throws InterruptedException {
        long lastCount = 0;
        long lastNanos = System.nanoTime();
        long lastProgress = System.nanoTime();
        double perSecond = 0;
        while (!shutdown.await(1000)) {
            PredictionTally.Snapshot s = tally.snapshot();
            long now = System.nanoTime();
            long done = s.predictions() + s.deadLetters();
            perSecond = (done - lastCount) / ((now - lastNanos) / 1e9);
            if (done > lastCount) {
                lastProgress = now;
            }
            lastCount = done;
            lastNanos = now;
            System.err.print("\r" + status(s, perSecond) + fragments(services) + "   ");
            System.err.flush();
            for (GlimpseService service : services) {
                if (!service.isRunning()) {
                    System.err.println();
                    System.err.println("glimpse demo: " + service.name() + " stopped: "
                            + service.failureCause().map(String::valueOf).orElse("not running"));
                    return 1;
                }
            }
            if (events > 0 && done >= events) {
                return 0;
            }
            if (events > 0 && now - lastProgress > timeoutSeconds * 1_000_000_000L) {
                System.err.println();
                System.err.println("glimpse demo: no progress for " + timeoutSeconds + " s");
                return 1;
            }
        }
        return 0;
    }

    /** The status line is the demo's console; Kafka's client and broker retries would drown it at WARN. */
    static String status(PredictionTally.Snapshot s, double perSecond) {
        return String.format(Locale.ROOT, "%7.1f events/s | predictions %d | dead letters %d | accuracy %s | latency p50 %d ms p99 %d ms",
                perSecond, s.predictions(), s.deadLetters(), accuracy(s), s.p50Ms(), s.p99Ms());
    }

    /** What the services add to the status line (the explain worker: explanations/s, skipped, lag). */
    static String fragments(List<GlimpseService> services) {
        StringBuilder b = new StringBuilder();
        for (GlimpseService service : services) {
            service.statusFragment().ifPresent(f -> b.append(" | ").append(f));
        }
        return b.toString();
    }

    static String summary(PredictionTally.Snapshot s, double seconds) {
        return String.format(Locale.ROOT, "summary: events %d, predictions %d, dead letters %d, accuracy %s, "
                        + "latency p50 %d ms, p99 %d ms, %.1f s, model %s on %s",
                s.predictions() + s.deadLetters(), s.predictions(), s.deadLetters(), accuracy(s), s.p50Ms(), s.p99Ms(),
                seconds, s.model(), s.device());
    }

    /** Waits (up to --timeout-seconds in all) until every service has nothing left to do. */
    private void awaitIdle(List<GlimpseService> services) throws InterruptedException {
        long deadline = System.nanoTime() + timeoutSeconds * 1_000_000_000L;
        for (GlimpseService s : services) {
            Duration left = Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
            if (!s.awaitIdle(left)) {
                System.err.println("glimpse demo: " + s.name() + " still busy after " + timeoutSeconds + " s");
            }
        }
    }

    static String versionSummary(PredictionTally.Snapshot s) {
        StringBuilder b = new StringBuilder("accuracy by model version:");
        for (PredictionTally.VersionCount v : s.versions()) {
            b.append(String.format(Locale.ROOT, " %s %s (%d predictions, %d labeled);", v.version(),
                    v.labeled() == 0 ? "n/a" : String.format(Locale.ROOT, "%.3f", v.accuracy()), v.predictions(),
                    v.labeled()));
        }
        return b.toString();
    }

    private static String accuracy(PredictionTally.Snapshot s) {
        return s.labeled() == 0 ? "n/a" : String.format(Locale.ROOT, "%.3f (%d labeled)", s.accuracy(), s.labeled());
    }
}
