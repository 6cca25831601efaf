package dev.glimpse.launcher.commands;

import dev.glimpse.launcher.GlimpseCommand;
import dev.glimpse.launcher.demo.DefaultModels;
import dev.glimpse.platform.config.PlatformConfig;
import dev.glimpse.platform.kafka.KafkaClients;
import dev.glimpse.platform.kafka.TopicCreator;
import dev.glimpse.trainingservice.TrainingService;
import dev.glimpse.trainingservice.TrainingServiceConfig;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.admin.Admin;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code ./glimpse training}: the training service against a Kafka cluster. */
@Command(name = "training", mixinStandardHelpOptions = true,
        description = "Join labels with images, fine-tune the serving model on them, publish better versions to 'models'.")
public final class TrainingCommand implements GlimpseCommand, Callable<Integer> {

    @Option(names = "--bootstrap-servers", description = "Kafka bootstrap servers host:port[,host:port] (required unless --config-reference)")
    String bootstrapServers;

    @Option(names = "--model-name", defaultValue = "fashion", description = "model this service retrains (default: ${DEFAULT-VALUE})")
    String modelName;

    @Option(names = "--model", description = "ONNX model stored as the first version when the store is empty (default: models/<dataset>/model.onnx, else the bundled Fashion-MNIST MLP)")
    Path model;

    @Option(names = "--dataset", defaultValue = "fashion-mnist", description = "picks the default first model (default: ${DEFAULT-VALUE})")
    String dataset;

    @Option(names = "--store-dir", defaultValue = "data/models", description = "model store root (default: ${DEFAULT-VALUE})")
    Path storeDir;

    @Option(names = "--data-dir", defaultValue = "data", description = "where the bundled model is extracted and Streams keeps state (default: ${DEFAULT-VALUE})")
    Path dataDir;

    @Option(names = "--every", description = "retrain after this many new labeled examples")
    Long every;

    @Option(names = "--interval", description = "retrain on this schedule when there is new data, e.g. 10m")
    String interval;

    @Option(names = "--shadow-fraction", description = "run candidates in shadow on this share of traffic before promotion (0 = promote directly)")
    Double shadowFraction;

    @Option(names = "--http-port", defaultValue = "9410", description = "operator API port, 0 = any free port, -1 = off (default: ${DEFAULT-VALUE})")
    int httpPort;

    @Option(names = "--token", defaultValue = "${env:GLIMPSE_API_TOKEN}", description = "operator API bearer token (default: $GLIMPSE_API_TOKEN, else a random one printed at start)")
    String token;

    @Mixin
    ServiceOptions service = new ServiceOptions(9404);

    @Override
    public Integer call() throws Exception {
        if (service.printedReference(TrainingServiceConfig.DEFINITION)) {
            return 0;
        }
        if (bootstrapServers == null) {
            System.err.println("--bootstrap-servers is required (the demo runs the service with an embedded broker)");
            return 2;
        }
        Map<String, Object> raw = service.values();
        raw.put(PlatformConfig.BOOTSTRAP_SERVERS, bootstrapServers);
        raw.put(TrainingServiceConfig.MODEL_NAME, modelName);
        raw.put(TrainingServiceConfig.STORE_DIR, storeDir.toString());
        raw.put(TrainingServiceConfig.STATE_DIR, dataDir.resolve("training-streams").toString());
        raw.put(TrainingServiceConfig.BOOTSTRAP_MODEL, DefaultModels.resolve(model, dataset, dataDir).toString());
        raw.put(TrainingServiceConfig.HTTP_PORT, httpPort);
        if (token != null && !token.isBlank()) {
            raw.put(TrainingServiceConfig.API_TOKEN, token);
        }
        if (every != null) {
            raw.put(TrainingServiceConfig.EVERY_EXAMPLES, every);
        }
        if (interval != null) {
            raw.put(TrainingServiceConfig.INTERVAL, interval);
        }
        if (shadowFraction != null) {
            raw.put(TrainingServiceConfig.SHADOW_FRACTION, shadowFraction);
        }
        Optional<TrainingServiceConfig> parsed = service.parse("training", raw, TrainingServiceConfig::parse);
        if (parsed.isEmpty()) {
            return ServiceOptions.BAD_CONFIG;
        }
        TrainingServiceConfig config = parsed.get();
        try (Admin admin = new KafkaClients(bootstrapServers).admin("glimpse-training-topics")) {
            TopicCreator.createMissing(admin, config.catalog(), (short) 1);
        }
        try (ServiceRunner runner = new ServiceRunner("training-service", ServiceRunner.ALL_INTERFACES, service.metricsPort);
             TrainingService training = new TrainingService(config, runner.registry())) {
            training.start();
            System.out.println("training service running for model " + modelName + " (serving "
                    + training.lifecycle().serving().map(m -> m.version()).orElse("-") + "), store " + storeDir
                    + training.api().map(a -> "; operator API on " + a.uri()).orElse("")
                    + runner.metricsNote() + "; Ctrl-C stops");
            if (config.apiToken().isBlank() && training.api().isPresent()) {
                System.out.println("operator API token (export GLIMPSE_API_TOKEN=...): " + training.apiToken());
            }
            runner.awaitShutdown(); // the service runs on its own threads
            System.out.println("training service stopping after " + training.outcomes().size() + " training runs");
        }
        return 0;
    }
}
