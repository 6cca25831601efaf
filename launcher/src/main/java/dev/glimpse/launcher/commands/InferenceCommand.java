package dev.glimpse.launcher.commands;

import dev.glimpse.contracts.TopicCatalog;
import dev.glimpse.inference.InferenceConfig;
import dev.glimpse.registry.objectstore.ObjectStoreConfig;
import dev.glimpse.inference.InferenceWorker;
import dev.glimpse.launcher.GlimpseCommand;
import dev.glimpse.launcher.demo.DefaultModels;
import dev.glimpse.platform.config.Config;
import dev.glimpse.platform.config.ConfigDefinition;
import dev.glimpse.platform.config.ConfigSources;
import dev.glimpse.platform.config.PlatformConfig;
import dev.glimpse.platform.kafka.ClusterCheck;
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
public final class InferenceCommand implements GlimpseCommand, ConfigurableCommand, Callable<Integer> {

    @Option(names = "--bootstrap-servers", defaultValue = "127.0.0.1:9092", description = "Kafka bootstrap servers host:port[,host:port] (default: ${DEFAULT-VALUE})")
    String bootstrapServers;

    @Option(names = "--model", description = "ONNX classifier (default: models/<dataset>/model.onnx, else the bundled Fashion-MNIST MLP)")
    Path model;

    @Option(names = "--dataset", defaultValue = "fashion-mnist", description = "picks the default model (default: ${DEFAULT-VALUE})")
    String dataset;

    @Option(names = "--device", defaultValue = "auto", description = "cpu, cuda[:N] (fails if CUDA is unavailable) or auto (default: ${DEFAULT-VALUE})")
    String device;

    @Option(names = "--group-id", description = "consumer group (default: <topic prefix>" + InferenceConfig.DEFAULT_GROUP_ID + ")")
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
    ServiceOptions service = new ServiceOptions(InferenceConfig.METRICS_PORT);

    /** The parsed configuration: the common keys (topics, metrics) and the worker's typed settings. */
    private record Parsed(Config raw, InferenceConfig worker) {
    }

    @Override
    public ConfigDefinition definition() {
        return InferenceConfig.DEFINITION;
    }

    /** The configuration sources of this command line (not yet parsed). */
    ConfigSources sources() {
        ServiceOptions.Flags flags = service.flags()
                .put("--bootstrap-servers", InferenceConfig.BOOTSTRAP_SERVERS, bootstrapServers)
                .put("--model", InferenceConfig.MODEL, model)
                .put("--device", InferenceConfig.DEVICE, device)
                .put("--group-id", InferenceConfig.GROUP_ID, groupId)
                .put("--worker-id", InferenceConfig.WORKER_ID, workerId)
                .put("--max-batch-size", InferenceConfig.MAX_BATCH_SIZE, maxBatchSize)
                .put("--max-wait-ms", InferenceConfig.MAX_WAIT_MS, maxWaitMs)
                .put("--queue-capacity", InferenceConfig.QUEUE_CAPACITY, queueCapacity)
                .put("--top-k", InferenceConfig.TOP_K, topK)
                .put("--threads", InferenceConfig.INTRA_OP_THREADS, threads);
        // the model of --dataset (or the bundled one) and the store cache under --data-dir, unless a source names them
        Map<String, Object> derived = Map.of(InferenceConfig.MODEL, DefaultModels.resolve(model, dataset, dataDir).toString(),
                ObjectStoreConfig.CACHE_DIR, dataDir.resolve("store-cache").toString());
        return service.sources(InferenceConfig.DEFINITION, derived, flags, Map.of());
    }

    @Override
    public Integer call() throws Exception {
        if (service.printedReference(definition())) {
            return 0;
        }
        Optional<Parsed> parsed = service.parse("inference", () -> {
            ConfigSources sources = sources();
            return new Parsed(sources.parse(), sources.parse(InferenceConfig::parse));
        });
        if (parsed.isEmpty()) {
            return ServiceOptions.BAD_CONFIG;
        }
        InferenceConfig config = parsed.get().worker();
        Path modelFile = config.model();
        TopicCatalog catalog = PlatformConfig.catalog(parsed.get().raw());
        try (ServiceRunner runner = ServiceRunner.forConfig("inference-worker", parsed.get().raw());
             InferenceWorker worker = new InferenceWorker(config, catalog, runner.registry())) {
            try {
                // the worker loads the model, then checks the cluster (kafka.connect.timeout) before its clients start
                worker.start();
            } catch (ClusterCheck.ClusterUnavailableException e) {
                System.err.println("inference: " + e.getMessage());
                return ServiceOptions.BAD_CONFIG;
            }
            runner.addHealthCheck("inference-worker", worker::isRunning);
            runner.addHealthCheck("models-listener", worker::modelsFollowed);
            System.out.println(StartupLine.of("inference worker " + worker.config().workerId(), parsed.get().raw())
                    .add("group", config.groupId()).add("model", DefaultModels.describe(modelFile))
                    .add("device", worker.classifier().device())
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
