package dev.glimpse.launcher.commands;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.util.concurrent.TimeUnit;
import dev.glimpse.contracts.TopicCatalog;
import dev.glimpse.contracts.events.ImageEvent;
import dev.glimpse.inference.Classifier;
import dev.glimpse.inference.InferenceConfig;
import dev.glimpse.inference.InferenceWorker;
import dev.glimpse.launcher.BenchSubcommand;
import dev.glimpse.launcher.demo.BenchImages;
import dev.glimpse.launcher.demo.DefaultModels;
import dev.glimpse.launcher.demo.TopicFollower;
import dev.glimpse.launcher.demo.TopicTail;
import dev.glimpse.platform.kafka.EmbeddedKafkaBroker;
import dev.glimpse.platform.kafka.KafkaClients;
import dev.glimpse.platform.metrics.MetricsServer;
import dev.glimpse.runtime.ExecutionDevice;
import dev.glimpse.runtime.SessionTuning;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./glimpse bench pipeline}: on the same model, device and batch size, the throughput of the raw loop
 * (decode + preprocess + one ONNX Runtime call per batch, in one thread, no Kafka) against the full pipeline
 * (images topic → inference worker → transactional predictions read back by a read_committed consumer, on an
 * embedded broker in this JVM), their ratio, then the end-to-end latency at a stated, steady load.
 * <p>
 * Both throughput runs are timed warm: the raw loop after untimed passes over the images, the pipeline after a
 * warm-up worker has answered rounds of {@code --warmup} images, each until the JIT has settled
 * ({@link JitSettling}; compiling the Kafka client and broker code would otherwise be timed as pipeline cost, and
 * that happens once per JVM, not per image). The raw loop runs before and
 * after the pipeline run and its mean is the baseline, so that load drifting on a shared machine does not favour
 * either side.
 */
@Command(name = "pipeline", mixinStandardHelpOptions = true,
        description = "Raw ONNX Runtime loop vs full Kafka pipeline throughput (ratio), and p50/p99 latency at a stated load.")
public final class BenchPipelineCommand implements BenchSubcommand, Callable<Integer> {

    @Option(names = "--model", description = "ONNX classifier (default: models/<dataset>/model.onnx, else the bundled Fashion-MNIST MLP)")
    Path model;

    @Option(names = "--dataset", defaultValue = "fashion-mnist", description = "images and default model (default: ${DEFAULT-VALUE})")
    String dataset;

    @Option(names = "--events", defaultValue = "20000", description = "images for the throughput runs (default: ${DEFAULT-VALUE})")
    int events;

    @Option(names = "--warmup", defaultValue = "10000", description = "images per warm-up round of the pipeline (default: ${DEFAULT-VALUE})")
    int warmup;

    @Option(names = "--warmup-rounds", defaultValue = "6",
            description = "at most this many warm-up rounds (raw passes, pipeline rounds) before the JIT settles (default: ${DEFAULT-VALUE})")
    int warmupRounds;

    @Option(names = "--decode-threads", defaultValue = "" + InferenceConfig.DEFAULT_DECODE_THREADS,
            description = "worker threads decoding images while ONNX Runtime runs, 0 = on the poll thread (default: ${DEFAULT-VALUE})")
    int decodeThreads;

    @Option(names = "--batch", defaultValue = "32", description = "max batch size, same in both runs (default: ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--max-wait-ms", defaultValue = "10", description = "worker max wait (default: ${DEFAULT-VALUE})")
    long maxWaitMs;

    @Option(names = "--rate", description = "images/s offered in the latency run (default: half the measured pipeline rate)")
    Double rate;

    @Option(names = "--image-size", defaultValue = "0", description = "send the dataset's images as RGB JPEGs of this "
            + "size (e.g. 224 for an ImageNet-sized model); 0 = the dataset's own PNGs (default: ${DEFAULT-VALUE})")
    int imageSize;

    @Option(names = "--latency-seconds", defaultValue = "10", description = "length of the latency run (default: ${DEFAULT-VALUE})")
    int latencySeconds;

    @Option(names = "--device", defaultValue = "cpu", description = "cpu, cuda[:N] or auto (default: ${DEFAULT-VALUE})")
    String device;

    @Option(names = "--threads", defaultValue = "0", description = "ONNX Runtime intra-op threads of the raw loop, 0 = one per core (default: ${DEFAULT-VALUE})")
    int threads;

    @Option(names = "--cpu", description = "also print the CPU time per thread group during the timed pipeline run")
    boolean cpu;

    @Option(names = "--worker-threads", defaultValue = "-1",
            description = "ONNX Runtime intra-op threads of the worker, 0 = one per core, -1 = as --threads (default: ${DEFAULT-VALUE})")
    int workerThreads;

    /** Seconds the pipeline's clients stay attached without images after the timed run, under {@code --cpu}. */
    private static final int IDLE_SECONDS = 5;

    /** Seconds of images offered at the latency run's rate before its figures count. */
    private static final int LEAD_IN_SECONDS = 2;

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
        List<ImageEvent> images = imageSize > 0 ? BenchImages.jpegEvents(dataset, events, "bench-", imageSize)
                : BenchImages.events(dataset, events, "bench-");
        System.out.printf(Locale.ROOT, "model %s, device %s, %d images of %s, batch %d, %d cores%n",
                DefaultModels.describe(modelFile), dev, events, dataset, batch, Runtime.getRuntime().availableProcessors());

        double rawBefore = rawLoop(modelFile, dev, images);
        System.out.printf(Locale.ROOT, "  raw loop before the pipeline run: %.1f images/s%n", rawBefore);

        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().dataDir(dir.resolve("kafka")).preferredPort(0)
                .topics(TopicCatalog.defaults()).start()) {
            TopicCatalog catalog = TopicCatalog.defaults();
            KafkaClients clients = new KafkaClients(broker.bootstrapServers());
            InferenceConfig config = InferenceConfig.builder().bootstrapServers(broker.bootstrapServers())
                    .groupId("bench").workerId("bench-0").model(modelFile).device(dev).maxBatchSize(batch)
                    .maxWait(Duration.ofMillis(maxWaitMs)).intraOpThreads(workerIntraOp()).decodeThreads(decodeThreads).build();
            double pipeline;
            try (Producer<byte[], byte[]> producer = clients.producer("bench-images")) {
                if (warmup > 0 && warmupRounds > 0) {
                    // Warm-up: a worker of the same group answers other images, round after round until the JIT has
                    // settled, then stops (its offsets committed)
                    try (CommittedPredictions seen = new CommittedPredictions(clients, catalog);
                         InferenceWorker worker = new InferenceWorker(config, catalog, MetricsServer.newRegistry("bench"))) {
                        worker.start();
                        JitSettling jit = new JitSettling();
                        int round = 0;
                        do {
                            for (int i = 0; i < warmup; i++) {
                                ImageEvent e = images.get(i % images.size());
                                send(producer, catalog, e.toBuilder().setImageId("warm-" + round + "-" + i)
                                        .setIngestedAtMs(System.currentTimeMillis()).build());
                            }
                            producer.flush();
                            seen.awaitCount((long) warmup * (round + 1), worker);
                            round++;
                        } while (!jit.settled() && round < warmupRounds);
                        System.out.printf(Locale.ROOT, "  pipeline warm-up: %d rounds of %d images (%s)%n", round, warmup,
                                jit);
                    }
                }
                // Throughput: the whole backlog is in the topic before the worker starts.
                for (ImageEvent e : images) {
                    send(producer, catalog, e.toBuilder().setIngestedAtMs(System.currentTimeMillis()).build());
                }
                producer.flush();
                PrometheusMeterRegistry registry = MetricsServer.newRegistry("bench");
                try (CommittedPredictions seen = new CommittedPredictions(clients, catalog);
                     InferenceWorker worker = new InferenceWorker(config, catalog, registry)) {
                    // the reader starts at the current end of 'predictions', so it counts this run only
                    ThreadCpu before = cpu ? ThreadCpu.now() : null;
                    long startNanos = System.nanoTime();
                    worker.start();
                    seen.awaitCount(events, worker);
                    if (before != null) {
                        double seconds = (System.nanoTime() - startNanos) / 1e9;
                        ThreadCpu during = ThreadCpu.now();
                        during.printSince(before, seconds, events);
                        // the same clients stay attached with no images: what Kafka costs per second of time, not
                        // per image (fetches waiting, heartbeats, the controller), and so the marginal cost per image
                        Thread.sleep(IDLE_SECONDS * 1000L);
                        ThreadCpu.now().printIdleSince(during, IDLE_SECONDS, before, seconds, events);
                    }
                    pipeline = seen.steadyRate();
                    DistributionSummary batches = registry.find("glimpse.inference.batch.size").summary();
                    System.out.printf(Locale.ROOT, "  worker: %d decode threads, ORT intra-op threads %s; %d transactions "
                                    + "(%.1f images each), %d ORT batches (mean size %.1f), ORT time %.0f ms in total%n",
                            decodeThreads, workerIntraOp() == 0 ? "one per core" : String.valueOf(workerIntraOp()),
                            worker.committedTransactions(),
                            worker.predictions() / (double) Math.max(1, worker.committedTransactions()),
                            batches == null ? 0 : batches.count(), batches == null ? 0 : batches.mean(),
                            registry.find("glimpse.inference").timer() == null ? 0
                                    : registry.find("glimpse.inference").timer().totalTime(TimeUnit.MILLISECONDS));
                    System.out.printf(Locale.ROOT, "  reader: %d committed predictions of %d distinct images (read_committed)%n",
                            seen.count(), seen.distinctImages());
                }
                // The raw loop again, right after: on a shared machine the load drifts, and the mean of the two
                // brackets the pipeline run instead of favouring whichever ran in the quieter moment.
                double rawAfter = rawLoop(modelFile, dev, images);
                System.out.printf(Locale.ROOT, "  raw loop after the pipeline run: %.1f images/s%n", rawAfter);
                double raw = (rawBefore + rawAfter) / 2;
                System.out.printf(Locale.ROOT, "raw ORT loop   (decode+preprocess+run, 1 thread, no Kafka): %9.1f images/s (mean of both)%n", raw);
                System.out.printf(Locale.ROOT, "full pipeline  (Kafka -> worker -> committed predictions):  %9.1f images/s%n",
                        pipeline);
                System.out.printf(Locale.ROOT, "ratio pipeline/raw: %.3f (goal >= 0.95)%n", pipeline / raw);
                // at half the measured capacity unless --rate says otherwise: latency of a loaded, not saturated, pipeline
                double rate = this.rate != null ? this.rate : Math.max(1, Math.round(pipeline / 2));
                // Latency: a fresh tally, images offered at a steady rate below capacity.
                try (LatencyBreakdown tally = new LatencyBreakdown(clients, catalog, "lead-");
                     InferenceWorker worker = new InferenceWorker(config, catalog, MetricsServer.newRegistry("bench"))) {
                    long startingNanos = System.nanoTime();
                    worker.start();
                    // the clock starts when the worker can consume: loading the model and joining the group are its
                    // start-up, printed apart, not the latency of a running pipeline
                    if (!worker.awaitAssignment(Duration.ofSeconds(60))) {
                        throw new IllegalStateException("the latency run's worker got no partitions in 60 s");
                    }
                    System.out.printf(Locale.ROOT, "  latency run's worker: model loaded and partitions assigned %d ms "
                            + "after start%n", (System.nanoTime() - startingNanos) / 1_000_000);
                    // A lead-in at the same rate, not counted: a new worker's first ONNX Runtime calls at each batch
                    // size are slow (a new session plans and allocates per input shape), printed apart
                    int lead = (int) (rate * LEAD_IN_SECONDS);
                    int n = (int) (rate * latencySeconds);
                    long start = System.nanoTime();
                    for (int i = 0; i < lead + n; i++) {
                        long due = start + (long) (i * 1e9 / rate);
                        long wait = due - System.nanoTime();
                        if (wait > 0) {
                            Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                        }
                        ImageEvent e = images.get(i % images.size()).toBuilder()
                                .setImageId(i < lead ? "lead-" + i : "lat-" + (i - lead))
                                .setIngestedAtMs(System.currentTimeMillis()).build();
                        send(producer, catalog, e);
                    }
                    producer.flush();
                    long deadline = System.nanoTime() + 60_000_000_000L;
                    while (tally.count() < n && System.nanoTime() < deadline) {
                        Thread.sleep(20);
                    }
                    List<LatencyBreakdown.Stages> leadIn = tally.leadIn();
                    System.out.printf(Locale.ROOT, "  lead-in, first %d s after the worker started (not counted): %d "
                                    + "predictions, p50 %d ms, p99 %d ms%n", LEAD_IN_SECONDS, leadIn.size(),
                            LatencyBreakdown.percentile(leadIn, LatencyBreakdown.Stages::total, 0.5),
                            LatencyBreakdown.percentile(leadIn, LatencyBreakdown.Stages::total, 0.99));
                    List<LatencyBreakdown.Stages> latency = tally.stages();
                    LatencyBreakdown.report(latency).forEach(System.out::println);
                    System.out.printf(Locale.ROOT, "latency at %.0f images/s for %d s (%d predictions): p50 %d ms, p99 %d ms "
                                    + "(ingest timestamp -> prediction visible to a read_committed consumer)%n",
                            rate, latencySeconds, latency.size(),
                            LatencyBreakdown.percentile(latency, LatencyBreakdown.Stages::total, 0.5),
                            LatencyBreakdown.percentile(latency, LatencyBreakdown.Stages::total, 0.99));
                }
            }
        }
        return 0;
    }

    private int workerIntraOp() {
        return workerThreads < 0 ? threads : workerThreads;
    }

    private double rawLoop(Path modelFile, ExecutionDevice dev, List<ImageEvent> images) throws Exception {
        try (Classifier c = Classifier.load(modelFile, dev, new SessionTuning(threads, 1))) {
            // warm-up, untimed passes: first calls allocate and optimise, the decoder gets JIT-compiled
            JitSettling jit = new JitSettling();
            int passes = 0;
            do {
                for (int i = 0; i < images.size(); i += batch) {
                    runBatch(c, images.subList(i, Math.min(images.size(), i + batch)));
                }
                passes++;
            } while (!jit.settled() && passes < Math.max(1, warmupRounds));
            System.out.printf(Locale.ROOT, "  raw loop warm-up: %d passes (%s)%n", passes, jit);
            ThreadCpu before = cpu ? ThreadCpu.now() : null;
            long t0 = System.nanoTime();
            for (int i = 0; i < images.size(); i += batch) {
                runBatch(c, images.subList(i, Math.min(images.size(), i + batch)));
            }
            long elapsed = System.nanoTime() - t0;
            if (before != null) {
                ThreadCpu.now().printSince(before, elapsed / 1e9, images.size());
            }
            return images.size() / (elapsed / 1e9);
        }
    }

    private static void runBatch(Classifier c, List<ImageEvent> batchImages) throws Exception {
        List<float[]> inputs = new ArrayList<>(batchImages.size());
        for (ImageEvent e : batchImages) {
            inputs.add(c.preprocessor().fromEncoded(e.getData().toByteArray()));
        }
        c.classify(inputs);
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

    /**
     * A downstream read_committed reader of {@code predictions} from its current end: counts the committed records and
     * their distinct keys (image ids, so a duplicate would show), and times the stream as the reader sees it. It
     * does not parse the predictions: what is timed is the pipeline, not a consumer's use of its output.
     */
    static final class CommittedPredictions implements AutoCloseable {
        private final Set<String> keys = new HashSet<>();
        private final TopicFollower follower;
        private long count;
        private long firstNanos;
        private long firstCount;
        private long lastNanos;

        CommittedPredictions(KafkaClients clients, TopicCatalog catalog) {
            // only this run's predictions count: from the topic's end now
            follower = new TopicFollower(clients, "bench-reader", "bench-reader",
                    Map.of(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 10_000),
                    consumer -> TopicTail.assignAtEnd(consumer, List.of(catalog.predictions().name())), this::take);
        }

        private synchronized void take(ConsumerRecords<byte[], byte[]> records) {
            long now = System.nanoTime();
            for (ConsumerRecord<byte[], byte[]> r : records) {
                keys.add(new String(r.key(), StandardCharsets.UTF_8));
            }
            if (count == 0) {
                firstNanos = now;
                firstCount = records.count();
            }
            count += records.count();
            lastNanos = now;
            notifyAll();
        }

        /** Waits until {@code n} predictions were read, failing when the worker stops or 300 s pass. */
        synchronized void awaitCount(long n, InferenceWorker worker) throws InterruptedException {
            long deadline = System.nanoTime() + 300_000_000_000L;
            while (count < n) {
                if (!worker.isRunning()) {
                    throw new IllegalStateException("inference worker stopped: " + worker.failure());
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("pipeline delivered " + count + " of " + n + " predictions in 300 s");
                }
                wait(50);
            }
        }

        /**
         * Images/s from the first committed transaction seen to the last: the steady rate of a backlog (the first
         * transaction's images are not counted, as the time they took before becoming visible is not either).
         */
        synchronized double steadyRate() {
            if (lastNanos <= firstNanos) {
                throw new IllegalStateException("every prediction came in one read: use more --events to time the stream");
            }
            return (count - firstCount) / ((lastNanos - firstNanos) / 1e9);
        }

        synchronized long count() {
            return count;
        }

        synchronized int distinctImages() {
            return keys.size();
        }

        @Override
        public void close() {
            follower.close();
        }
    }

    /**
     * Whether the JIT compilers have settled: their compilation time during the last round was under a tenth of the
     * round's wall time. Timing before that would charge one-off compilation (of the Kafka client and broker code
     * above all) to throughput.
     */
    static final class JitSettling {
        private final CompilationMXBean compiler =
                ManagementFactory.getCompilationMXBean();
        private long lastCompileMs = compileMs();
        private long lastNanos = System.nanoTime();
        private double lastShare = Double.NaN;
        private final List<String> shares = new ArrayList<>();

        private long compileMs() {
            return compiler != null && compiler.isCompilationTimeMonitoringSupported()
                    ? compiler.getTotalCompilationTime() : 0;
        }

        /** Call at the end of each round. */
        boolean settled() {
            long ms = compileMs();
            long now = System.nanoTime();
            lastShare = (ms - lastCompileMs) / ((now - lastNanos) / 1e6);
            shares.add(String.format(Locale.ROOT, "%.0f%%", 100 * lastShare));
            lastCompileMs = ms;
            lastNanos = now;
            return lastShare < 0.10;
        }

        @Override
        public String toString() {
            return "JIT compile time per round's time: " + String.join(", ", shares);
        }
    }
}
