package dev.glimpse.launcher.commands;

import dev.glimpse.contracts.TopicCatalog;
import dev.glimpse.contracts.events.ImageEvent;
import dev.glimpse.inference.Classifier;
import dev.glimpse.inference.InferenceConfig;
import dev.glimpse.inference.InferenceWorker;
import dev.glimpse.launcher.BenchSubcommand;
import dev.glimpse.launcher.demo.BenchImages;
import dev.glimpse.launcher.demo.DefaultModels;
import dev.glimpse.launcher.demo.PredictionTally;
import dev.glimpse.platform.kafka.EmbeddedKafkaBroker;
import dev.glimpse.platform.kafka.KafkaClients;
import dev.glimpse.platform.metrics.MetricsServer;
import dev.glimpse.runtime.ExecutionDevice;
import dev.glimpse.runtime.SessionTuning;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./glimpse bench pipeline}: on the same model, device and batch size, the throughput of the raw loop
 * (decode + preprocess + one ONNX Runtime call per batch, in one thread, no Kafka) against the full pipeline
 * (images topic → inference worker → transactional predictions read back by a read_committed consumer, on an
 * embedded broker in this JVM), their ratio, then the end-to-end latency at a stated, steady load.
 */
@Command(name = "pipeline", mixinStandardHelpOptions = true,
        description = "Raw ONNX Runtime loop vs full Kafka pipeline throughput (ratio), and p50/p99 latency at a stated load.")
public final class BenchPipelineCommand implements BenchSubcommand, Callable<Integer> {

    @Option(names = "--model", description = "ONNX classifier (default: models/<dataset>/model.onnx, else the bundled Fashion-MNIST MLP)")
    Path model;

    @Option(names = "--dataset", defaultValue = "fashion-mnist", description = "images and default model (default: ${DEFAULT-VALUE})")
    String dataset;

    @Option(names = "--events", defaultValue = "5000", description = "images for the throughput runs (default: ${DEFAULT-VALUE})")
    int events;

    @Option(names = "--batch", defaultValue = "32", description = "max batch size, same in both runs (default: ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--max-wait-ms", defaultValue = "10", description = "worker max wait (default: ${DEFAULT-VALUE})")
    long maxWaitMs;

    @Option(names = "--rate", defaultValue = "200", description = "images/s offered in the latency run (default: ${DEFAULT-VALUE})")
    double rate;

    @Option(names = "--latency-seconds", defaultValue = "10", description = "length of the latency run (default: ${DEFAULT-VALUE})")
    int latencySeconds;

    @Option(names = "--device", defaultValue = "cpu", description = "cpu, cuda[:N] or auto (default: ${DEFAULT-VALUE})")
    String device;

    @Option(names = "--threads", defaultValue = "0", description = "ONNX Runtime intra-op threads, 0 = one per core (default: ${DEFAULT-VALUE})")
    int threads;

    @Override
    public Integer call() throws Exception {
        Path dir = Files.createTempDirectory("glimpse-bench-pipeline");
        try {
            return run(dir);
        } finally {
            deleteRecursively(dir);
        }
    }

    private int run(Path dir) throws Exception {
        Path modelFile = DefaultModels.resolve(model, dataset, dir);
        ExecutionDevice dev = ExecutionDevice.parse(device);
        List<ImageEvent> images = BenchImages.events(dataset, events, "bench-");
        System.out.printf(Locale.ROOT, "model %s, device %s, %d images of %s, batch %d, %d cores%n",
                DefaultModels.describe(modelFile), dev, events, dataset, batch, Runtime.getRuntime().availableProcessors());

        double raw = rawLoop(modelFile, dev, images);
        System.out.printf(Locale.ROOT, "raw ORT loop   (decode+preprocess+run, 1 thread, no Kafka): %9.1f images/s%n", raw);

        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().dataDir(dir.resolve("kafka")).preferredPort(0)
                .topics(TopicCatalog.defaults()).start()) {
            TopicCatalog catalog = TopicCatalog.defaults();
            KafkaClients clients = new KafkaClients(broker.bootstrapServers());
            InferenceConfig config = InferenceConfig.builder().bootstrapServers(broker.bootstrapServers())
                    .groupId("bench").workerId("bench-0").model(modelFile).device(dev).maxBatchSize(batch)
                    .maxWait(Duration.ofMillis(maxWaitMs)).intraOpThreads(threads).build();
            double pipeline;
            PredictionTally.Snapshot latency;
            try (Producer<byte[], byte[]> producer = clients.producer("bench-images")) {
                // Throughput: the whole backlog is in the topic before the worker starts.
                for (ImageEvent e : images) {
                    send(producer, catalog, e.toBuilder().setIngestedAtMs(System.currentTimeMillis()).build());
                }
                producer.flush();
                PrometheusMeterRegistry registry = MetricsServer.newRegistry("bench");
                try (PredictionTally tally = new PredictionTally(clients, catalog);
                     InferenceWorker worker = new InferenceWorker(config, catalog, registry)) {
                    // the tally starts at the current end of 'predictions', so it counts this run only
                    worker.start();
                    pipeline = throughput(tally, events, worker);
                    DistributionSummary batches = registry.find("glimpse.inference.batch.size").summary();
                    System.out.printf(Locale.ROOT, "  worker: %d transactions (%.1f images each), %d ORT batches (mean size %.1f), "
                                    + "ORT time %.0f ms in total%n", worker.committedTransactions(),
                            worker.predictions() / (double) Math.max(1, worker.committedTransactions()),
                            batches == null ? 0 : batches.count(), batches == null ? 0 : batches.mean(),
                            registry.find("glimpse.inference").timer() == null ? 0
                                    : registry.find("glimpse.inference").timer().totalTime(java.util.concurrent.TimeUnit.MILLISECONDS));
                    System.out.printf(Locale.ROOT, "full pipeline  (Kafka -> worker -> committed predictions):  %9.1f images/s%n",
                            pipeline);
                    System.out.printf(Locale.ROOT, "ratio pipeline/raw: %.3f (goal >= 0.9)%n", pipeline / raw);
                }
                // Latency: a fresh tally, images offered at a steady rate below capacity.
                try (PredictionTally tally = new PredictionTally(clients, catalog);
                     InferenceWorker worker = new InferenceWorker(config, catalog, MetricsServer.newRegistry("bench"))) {
                    worker.start();
                    int n = (int) (rate * latencySeconds);
                    long start = System.nanoTime();
                    for (int i = 0; i < n; i++) {
                        long due = start + (long) (i * 1e9 / rate);
                        long wait = due - System.nanoTime();
                        if (wait > 0) {
                            Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                        }
                        ImageEvent e = images.get(i % images.size()).toBuilder().setImageId("lat-" + i)
                                .setIngestedAtMs(System.currentTimeMillis()).build();
                        send(producer, catalog, e);
                    }
                    producer.flush();
                    long deadline = System.nanoTime() + 60_000_000_000L;
                    while (tally.snapshot().predictions() < n && System.nanoTime() < deadline) {
                        Thread.sleep(20);
                    }
                    latency = tally.snapshot();
                    System.out.printf(Locale.ROOT, "latency at %.0f images/s for %d s (%d predictions): p50 %d ms, p99 %d ms "
                                    + "(ingest timestamp -> prediction visible to a read_committed consumer)%n",
                            rate, latencySeconds, latency.predictions(), latency.p50Ms(), latency.p99Ms());
                }
            }
        }
        return 0;
    }

    private double rawLoop(Path modelFile, ExecutionDevice dev, List<ImageEvent> images) throws Exception {
        try (Classifier c = Classifier.load(modelFile, dev, new SessionTuning(threads, 1))) {
            // warm-up: first calls allocate and optimise
            for (int w = 0; w < 3; w++) {
                runBatch(c, images.subList(0, Math.min(batch, images.size())));
            }
            long t0 = System.nanoTime();
            for (int i = 0; i < images.size(); i += batch) {
                runBatch(c, images.subList(i, Math.min(images.size(), i + batch)));
            }
            return images.size() / ((System.nanoTime() - t0) / 1e9);
        }
    }

    private static void runBatch(Classifier c, List<ImageEvent> batchImages) throws Exception {
        List<float[]> inputs = new ArrayList<>(batchImages.size());
        for (ImageEvent e : batchImages) {
            inputs.add(c.preprocessor().fromEncoded(e.getData().toByteArray()));
        }
        c.classify(inputs);
    }

    /** Images/s between the first and the last committed prediction seen by a downstream reader. */
    private static double throughput(PredictionTally tally, int n, InferenceWorker worker) throws InterruptedException {
        long first = 0;
        long firstCount = 0;
        long deadline = System.nanoTime() + 300_000_000_000L;
        while (System.nanoTime() < deadline) {
            long seen = tally.snapshot().predictions();
            if (first == 0 && seen > 0) {
                first = System.nanoTime();
                firstCount = seen;
            }
            if (seen >= n) {
                return (seen - firstCount) / ((System.nanoTime() - first) / 1e9);
            }
            if (!worker.isRunning()) {
                throw new IllegalStateException("inference worker stopped: " + worker.failure());
            }
            Thread.sleep(2);
        }
        throw new IllegalStateException("pipeline did not deliver " + n + " predictions within 300 s");
    }

    private static void send(Producer<byte[], byte[]> producer, TopicCatalog catalog, ImageEvent e) {
        producer.send(new ProducerRecord<>(catalog.images().name(), catalog.images().serializeKey(e.getImageId()),
                e.toByteArray()));
    }

    private static void deleteRecursively(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
