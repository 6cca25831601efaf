package dev.glimpse.launcher.commands;

import dev.glimpse.contracts.TopicCatalog;
import dev.glimpse.contracts.events.ClassScore;
import dev.glimpse.contracts.events.ImageEvent;
import dev.glimpse.contracts.events.Prediction;
import dev.glimpse.engine.onnx.Onnx;
import dev.glimpse.explain.ort.LargeStack;
import dev.glimpse.explainworker.ExplainSummary;
import dev.glimpse.explainworker.ExplainWorker;
import dev.glimpse.explainworker.ExplainWorkerConfig;
import dev.glimpse.explainworker.load.LoadLimits;
import dev.glimpse.launcher.BenchSubcommand;
import dev.glimpse.launcher.demo.BenchImages;
import dev.glimpse.platform.kafka.EmbeddedKafkaBroker;
import dev.glimpse.platform.kafka.KafkaClients;
import dev.glimpse.runtime.ModelMetadataKeys;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./glimpse bench explain-worker}: the real explain worker (ONNX Runtime engine, artifact store, Kafka
 * transactions) against the embedded broker, explaining every one of N predictions that wait on the topic: its
 * capacity in predictions per second with its methods, and the cost per method it measured itself.
 */
@Command(name = "explain-worker", mixinStandardHelpOptions = true,
        description = "Capacity of the explain worker (predictions/s it explains) on the embedded broker.")
public final class BenchExplainWorkerCommand implements BenchSubcommand, Callable<Integer> {

    @Option(names = "--model", defaultValue = "models/fashion-mnist/model.onnx", description = "ONNX model with its contract (default: ${DEFAULT-VALUE}, the demo's)")
    Path model;

    @Option(names = "--dataset", defaultValue = "fashion-mnist", description = "images (resized by the model's preprocessing; default: ${DEFAULT-VALUE})")
    String dataset;

    @Option(names = "--predictions", defaultValue = "200", description = "timed predictions (default: ${DEFAULT-VALUE})")
    int predictions;

    @Option(names = "--warmup", defaultValue = "16", description = "predictions explained before timing (default: ${DEFAULT-VALUE})")
    int warmup;

    @Option(names = "--methods", split = ",", description = "methods (default: the worker's for this model)")
    List<String> methods;

    @Option(names = "--batch", split = ",", defaultValue = "1,8",
            description = "explain.batch.max; several (e.g. 1,8) run one after the other and the last is compared with the first (default: ${DEFAULT-VALUE})")
    List<Integer> batches;

    @Override
    public Integer call() throws Exception {
        return UsageErrors.report("bench explain-worker", () -> LargeStack.call(this::execute));
    }

    private Integer execute() throws Exception {
        if (!Files.isRegularFile(model)) {
            throw new IllegalArgumentException("--model " + model + ": no such file");
        }
        Map<String, String> meta = metadata(model);
        String name = meta.getOrDefault(ModelMetadataKeys.NAME, "");
        String version = meta.getOrDefault(ModelMetadataKeys.VERSION, "");
        if (name.isEmpty() || version.isEmpty()) {
            throw new IllegalArgumentException("--model " + model + " has no glimpse.name/glimpse.version; give it its contract with ./glimpse models import");
        }
        for (int batch : batches) {
            if (batch < 1) {
                throw new IllegalArgumentException("--batch must be >= 1, got '" + batch + "'");
            }
        }
        double first = Double.NaN;
        double last = Double.NaN;
        for (int batch : batches) {
            last = measure(batch, meta, name, version);
            first = Double.isNaN(first) ? last : first;
        }
        if (batches.size() > 1) {
            System.out.printf(Locale.ROOT, "batch %d vs batch %d: %.2fx the predictions/s (same worker, same run)%n",
                    batches.get(batches.size() - 1), batches.get(0), last / first);
        }
        return 0;
    }

    /** One worker at {@code batch} on a fresh embedded broker: prints its capacity, returns predictions per second. */
    private double measure(int batch, Map<String, String> meta, String name, String version) throws Exception {
        Path dir = Files.createTempDirectory("glimpse-bench-explain-worker");
        TopicCatalog catalog = TopicCatalog.withPrefix("bench.");
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().dataDir(dir.resolve("kafka")).preferredPort(0)
                .topics(catalog).start()) {
            ExplainWorkerConfig cfg = ExplainWorkerConfig.defaults(broker.bootstrapServers(), catalog, model, dir.resolve("artifacts"))
                    .withPolicy("all").withBatch(batch, Duration.ofMillis(50))
                    // nothing is skipped: every prediction waits on the topic and all are explained
                    .withLoadLimits(new LoadLimits(Duration.ZERO, 1.0, Long.MAX_VALUE, Duration.ofDays(1)));
            if (methods != null) {
                cfg = cfg.withMethods(methods, null);
            } else if (!ExplainWorker.hasConvolution(model)) {
                cfg = cfg.withMethods(List.of("saliency", "guided"), null);
            }
            List<ImageEvent> images = BenchImages.events(dataset, warmup + predictions, "b-");
            KafkaClients clients = new KafkaClients(broker.bootstrapServers());
            PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            try (ExplainWorker worker = ExplainWorker.create(cfg, registry);
                 Producer<String, ImageEvent> imageProducer = clients.producer("bench-images", catalog.images());
                 Producer<String, Prediction> predictionProducer = clients.producer("bench-predictions", catalog.predictions())) {
                worker.start();
                int perPrediction = cfg.methods().size();
                send(imageProducer, predictionProducer, catalog, images.subList(0, warmup), name, version);
                await(worker, (long) warmup * perPrediction, Duration.ofMinutes(10));
                long t0 = System.nanoTime();
                send(imageProducer, predictionProducer, catalog, images.subList(warmup, warmup + predictions), name, version);
                await(worker, (long) (warmup + predictions) * perPrediction, Duration.ofMinutes(30));
                double seconds = (System.nanoTime() - t0) / 1e9;
                ExplainSummary s = worker.summary();
                StringBuilder costs = new StringBuilder();
                worker.budget().costs().snapshot().forEach((m, sec) -> costs.append(String.format(Locale.ROOT, " %s %.1f ms;", m, sec * 1000)));
                System.out.printf(Locale.ROOT, "explain-worker capacity: model %s %s (%s), methods %s, batch %d, %d cores: "
                                + "%d predictions in %.1f s = %.2f predictions/s (%.2f explanations/s), %d failures%n"
                                + "per item (engine wall time per method):%s worker's own estimate %.2f predictions/s%n",
                        name, version, inputSize(meta), cfg.methods(), batch, Runtime.getRuntime().availableProcessors(),
                        predictions, seconds, predictions / seconds, predictions * perPrediction / seconds, s.failures(),
                        costs, worker.budget().capacityPerSecond());
                return predictions / seconds;
            }
        } finally {
            deleteQuietly(dir);
        }
    }

    private static void send(Producer<String, ImageEvent> images, Producer<String, Prediction> predictions, TopicCatalog catalog,
                             List<ImageEvent> events, String name, String version) {
        for (ImageEvent e : events) {
            images.send(new ProducerRecord<>(catalog.images().name(), e.getImageId(), e));
        }
        images.flush();
        for (ImageEvent e : events) {
            predictions.send(new ProducerRecord<>(catalog.predictions().name(), e.getImageId(), Prediction.newBuilder()
                    .setImageId(e.getImageId()).setModelName(name).setModelVersion(version).setLabel(-1)
                    .setPredictedAtMs(System.currentTimeMillis())
                    .addTopK(ClassScore.newBuilder().setClassIndex(Math.max(0, e.getLabel())).setProbability(0.9f)).build()));
        }
        predictions.flush();
    }

    private static void await(ExplainWorker worker, long explanations, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (worker.summary().explanations() + worker.summary().failures() < explanations) {
            if (!worker.isRunning() || System.nanoTime() > deadline) {
                throw new IllegalStateException("the explain worker " + (worker.isRunning() ? "did not finish in " + timeout
                        : "stopped: " + worker.failure()) + " (" + worker.summary().line() + ")");
            }
            Thread.sleep(20);
        }
    }

    private static Map<String, String> metadata(Path model) throws java.io.IOException {
        Map<String, String> meta = new HashMap<>();
        try (InputStream in = Files.newInputStream(model)) {
            Onnx.ModelProto.parseFrom(in).getMetadataPropsList().forEach(p -> meta.put(p.getKey(), p.getValue()));
        }
        return meta;
    }

    private static String inputSize(Map<String, String> meta) {
        return meta.getOrDefault(ModelMetadataKeys.INPUT_SIZE, "?") + " " + meta.getOrDefault(ModelMetadataKeys.INPUT_COLOUR, "");
    }

    private static void deleteQuietly(Path dir) {
        try (var walk = Files.walk(dir)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (java.io.IOException | RuntimeException ignored) {
            // a temp dir
        }
    }
}
