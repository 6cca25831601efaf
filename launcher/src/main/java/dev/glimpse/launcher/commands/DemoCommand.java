package dev.glimpse.launcher.commands;

import dev.glimpse.contracts.TopicCatalog;
import dev.glimpse.datasets.FashionMnist;
import dev.glimpse.launcher.GlimpseCommand;
import dev.glimpse.launcher.demo.DefaultModels;
import dev.glimpse.launcher.demo.DemoContext;
import dev.glimpse.launcher.demo.DemoServices;
import dev.glimpse.launcher.demo.PredictionTally;
import dev.glimpse.launcher.demo.ShutdownSignal;
import dev.glimpse.platform.GlimpseService;
import dev.glimpse.platform.kafka.EmbeddedKafkaBroker;
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
import java.util.List;
import java.util.Locale;
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

    @Option(names = "--kafka-port", defaultValue = "9092", description = "embedded broker port when free, else any free port (default: ${DEFAULT-VALUE})")
    int kafkaPort;

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

    @Option(names = "--timeout-seconds", defaultValue = "600", description = "with --events: give up when no progress for this long (default: ${DEFAULT-VALUE})")
    long timeoutSeconds;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        quietKafkaLogs();
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
        TopicCatalog catalog = TopicCatalog.defaults();
        List<GlimpseService> started = new ArrayList<>();
        long t0 = System.nanoTime();
        try (ShutdownSignal shutdown = new ShutdownSignal();
             EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().dataDir(dataDir.resolve("kafka"))
                     .preferredPort(kafkaPort).topics(catalog).start();
             MetricsServer metrics = MetricsServer.start(MetricsServer.newRegistry("demo"), HttpSettings.LOOPBACK, metricsPort);
             PredictionTally tally = new PredictionTally(new KafkaClients(broker.bootstrapServers()), catalog)) {
            PrometheusMeterRegistry registry = metrics.registry();
            DemoContext context = new DemoContext(broker.bootstrapServers(), catalog, registry, dataDir, modelFile, ds,
                    ExecutionDevice.parse(device), events, replayRate, httpPort, ingestPort, workers, explainPolicy, feedback);
            try {
                for (GlimpseService s : DemoServices.create(context)) {
                    started.add(s);
                    s.start();
                    metrics.addHealthCheck(s.name() + "-" + started.size(), s::isRunning);
                    if (!s.awaitReady(Duration.ofSeconds(30))) {
                        System.err.println("glimpse demo: " + s.name() + " got no partitions within 30 s; going on");
                    }
                }
                System.err.printf("glimpse demo: Kafka on %s (data in %s), replaying %s at %s images/s, model %s; "
                                + "metrics on %s/metrics; %s%n", broker.bootstrapServers(), broker.dataDir(), ds,
                        replayRate == 0 ? "max" : String.format(Locale.ROOT, "%.0f", replayRate), DefaultModels.describe(modelFile),
                        metrics.uri(), events > 0 ? "stops after " + events + " images" : "Ctrl-C stops");
                int code = watch(shutdown, tally, started);
                if (code == 0 && events > 0) {
                    // a bounded run: let every service finish what the last events gave it (the training runs the
                    // last labels trigger, the explanations of the last predictions) before the summary
                    awaitIdle(started);
                }
                PredictionTally.Snapshot s = tally.snapshot();
                System.err.println();
                out.println(summary(s, (System.nanoTime() - t0) / 1e9));
                if (s.versions().size() > 1 || feedback > 0) {
                    out.println(versionSummary(s));
                }
                // in reverse start order: the training runs before the explanations, as the demo always printed them
                for (int i = started.size() - 1; i >= 0; i--) {
                    started.get(i).summaryLine().ifPresent(out::println);
                }
                out.flush();
                return code;
            } finally {
                for (int i = started.size() - 1; i >= 0; i--) {
                    try {
                        started.get(i).close();
                    } catch (RuntimeException e) {
                        System.err.println("closing " + started.get(i).name() + " failed: " + e);
                    }
                }
            }
        }
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
            System.err.print("\r" + status(s, perSecond) + "   ");
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
    private static void quietKafkaLogs() {
        for (String logger : List.of("kafka", "org.apache.kafka", "state.change.logger")) {
            System.setProperty("org.slf4j.simpleLogger.log." + logger,
                    System.getProperty("org.slf4j.simpleLogger.log." + logger, "error"));
        }
    }

    static String status(PredictionTally.Snapshot s, double perSecond) {
        return String.format(Locale.ROOT, "%7.1f events/s | predictions %d | dead letters %d | accuracy %s | latency p50 %d ms p99 %d ms",
                perSecond, s.predictions(), s.deadLetters(), accuracy(s), s.p50Ms(), s.p99Ms());
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
