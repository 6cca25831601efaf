package dev.glimpse.launcher.commands;

import dev.glimpse.contracts.TopicCatalog;
import dev.glimpse.inference.InferenceConfig;
import dev.glimpse.inference.InferenceWorker;
import dev.glimpse.launcher.GlimpseCommand;
import dev.glimpse.launcher.demo.DefaultModels;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
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

    @Option(names = "--data-dir", defaultValue = "data", description = "where the bundled model is extracted (default: ${DEFAULT-VALUE})")
    Path dataDir;

    @Mixin
    ServiceOptions service = new ServiceOptions(9402);

    @Override
    public Integer call() throws Exception {
        if (service.printedReference(InferenceConfig.DEFINITION)) {
            return 0;
        }
        Map<String, Object> values = service.values();
        values.put(InferenceConfig.BOOTSTRAP_SERVERS, bootstrapServers);
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
        Optional<InferenceConfig> parsed = service.parse("inference", values, InferenceConfig::parse);
        if (parsed.isEmpty()) {
            return ServiceOptions.BAD_CONFIG;
        }
        InferenceConfig config = parsed.get();
        Path modelFile = config.model();
        TopicCatalog catalog = new TopicCatalog(service.topicPrefix, TopicCatalog.DEFAULT_PARTITIONS);
        try (ServiceRunner runner = new ServiceRunner("inference-worker", ServiceRunner.ALL_INTERFACES, service.metricsPort);
             InferenceWorker worker = new InferenceWorker(config, catalog, runner.registry())) {
            worker.start();
            runner.addHealthCheck("inference-worker", worker::isRunning);
            System.out.println("inference worker " + worker.config().workerId() + " running: model "
                    + DefaultModels.describe(modelFile) + " on " + worker.classifier().device()
                    + runner.metricsNote() + "; Ctrl-C stops");
            if (!runner.awaitShutdown(worker::isRunning)) {
                System.err.println("inference worker stopped: " + worker.failure());
                return 1;
            }
            System.out.println("inference worker stopping: " + worker.predictions() + " predictions, "
                    + worker.deadLetters() + " dead letters");
        }
        return 0;
    }
}
