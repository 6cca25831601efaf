package dev.glimpse.launcher.commands;

import dev.glimpse.contracts.TopicCatalog;
import dev.glimpse.inference.InferenceConfig;
import dev.glimpse.inference.InferenceWorker;
import dev.glimpse.launcher.GlimpseCommand;
import dev.glimpse.launcher.demo.DefaultModels;
import dev.glimpse.launcher.demo.ShutdownSignal;
import dev.glimpse.platform.metrics.MetricsServer;
import java.nio.file.Path;
import dev.glimpse.platform.config.PlatformConfig;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ./glimpse inference}: one inference worker against a Kafka cluster; start more with the same group to scale out. */
@Command(name = "inference", mixinStandardHelpOptions = true,
        description = "Classify the 'images' topic exactly once into 'predictions' (micro-batched ONNX Runtime).")
public final class InferenceCommand implements GlimpseCommand, Callable<Integer> {

    @Option(names = "--bootstrap-servers", defaultValue = "127.0.0.1:9092", description = "Kafka bootstrap servers host:port[,host:port] (default: ${DEFAULT-VALUE})")
    String bootstrapServers;

    @Option(names = "--model", description = "ONNX classifier (default: models/<dataset>/model.onnx, else the bundled Fashion-MNIST MLP)")
    Path model;

    @Option(names = "--dataset", defaultValue = "fashion-mnist", description = "picks the default model (default: ${DEFAULT-VALUE})")
    String dataset;

    @Option(names = "--device", defaultValue = "auto", description = "cpu, cuda[:N] (fails if CUDA is unavailable) or auto (default: ${DEFAULT-VALUE})")
    String device;

    @Option(names = "--group-id", defaultValue = InferenceConfig.DEFAULT_GROUP_ID, description = "consumer group (default: ${DEFAULT-VALUE})")
    String groupId;

    @Option(names = "--worker-id", description = "stable id of this instance; its transactional id (default: random)")
    String workerId;

    @Option(names = "--max-batch-size", defaultValue = "32", description = "images per ONNX Runtime call at most (default: ${DEFAULT-VALUE})")
    int maxBatchSize;

    @Option(names = "--max-wait-ms", defaultValue = "10", description = "flush a partial batch after this wait (default: ${DEFAULT-VALUE})")
    long maxWaitMs;

    @Option(names = "--queue-capacity", defaultValue = "0", description = "images waiting before partitions pause; 0 = max batch size (default: ${DEFAULT-VALUE})")
    int queueCapacity;

    @Option(names = "--top-k", defaultValue = "5", description = "classes per prediction (default: ${DEFAULT-VALUE})")
    int topK;

    @Option(names = "--threads", defaultValue = "0", description = "ONNX Runtime intra-op threads, 0 = one per core (default: ${DEFAULT-VALUE})")
    int threads;

    @Option(names = "--topic-prefix", defaultValue = "", description = "prefix of every topic name")
    String topicPrefix;

    @Option(names = "--data-dir", defaultValue = "data", description = "where the bundled model is extracted (default: ${DEFAULT-VALUE})")
    Path dataDir;

    @Option(names = "--metrics-port", defaultValue = "9402", description = "Prometheus /metrics port, 0 = any free port (default: ${DEFAULT-VALUE})")
    int metricsPort;

    @Option(names = {"-c", "--config"}, description = "any inference configuration key=value (see --config-reference); repeatable")
    Map<String, String> extra = new LinkedHashMap<>();

    @Option(names = "--config-reference", description = "print the configuration reference (Markdown) and exit")
    boolean configReference;

    @Override
    public Integer call() throws Exception {
        if (configReference) {
            System.out.print(InferenceConfig.DEFINITION.toMarkdown());
            return 0;
        }
        Map<String, Object> values = new LinkedHashMap<>();
        values.put(InferenceConfig.BOOTSTRAP_SERVERS, bootstrapServers);
        values.put(PlatformConfig.TOPIC_PREFIX, topicPrefix);
        values.put(PlatformConfig.METRICS_PORT, metricsPort);
        values.put(InferenceConfig.MODEL, DefaultModels.resolve(model, dataset, dataDir).toString());
        values.put(InferenceConfig.DEVICE, device);
        values.put(InferenceConfig.GROUP_ID, groupId);
        if (workerId != null) {
            values.put(InferenceConfig.WORKER_ID, workerId);
        }
        values.put(InferenceConfig.MAX_BATCH_SIZE, maxBatchSize);
        values.put(InferenceConfig.MAX_WAIT_MS, maxWaitMs);
        values.put(InferenceConfig.QUEUE_CAPACITY, queueCapacity);
        values.put(InferenceConfig.TOP_K, topK);
        values.put(InferenceConfig.INTRA_OP_THREADS, threads);
        values.putAll(extra);
        InferenceConfig config = InferenceConfig.parse(values);
        Path modelFile = config.model();
        TopicCatalog catalog = new TopicCatalog(topicPrefix, TopicCatalog.DEFAULT_PARTITIONS);
        try (ShutdownSignal shutdown = new ShutdownSignal();
             MetricsServer metrics = MetricsServer.start("inference-worker", "0.0.0.0", metricsPort);
             InferenceWorker worker = new InferenceWorker(config, catalog, metrics.meterRegistry())) {
            worker.start();
            metrics.addHealthCheck("inference-worker", worker::isRunning);
            System.out.println("inference worker " + worker.config().workerId() + " running: model "
                    + DefaultModels.describe(modelFile) + " on " + worker.classifier().device() + "; metrics on "
                    + metrics.uri() + "/metrics; Ctrl-C stops");
            while (!shutdown.await(1000)) {
                if (!worker.isRunning()) {
                    System.err.println("inference worker stopped: " + worker.failure());
                    return 1;
                }
            }
            System.out.println("inference worker stopping: " + worker.predictions() + " predictions, "
                    + worker.deadLetters() + " dead letters");
        }
        return 0;
    }
}
