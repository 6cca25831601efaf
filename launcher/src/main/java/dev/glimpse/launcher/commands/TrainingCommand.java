package dev.glimpse.launcher.commands;

import dev.glimpse.launcher.GlimpseCommand;
import dev.glimpse.launcher.demo.DefaultModels;
import dev.glimpse.platform.config.Config;
import dev.glimpse.platform.config.ConfigDefinition;
import dev.glimpse.platform.config.ConfigSources;
import dev.glimpse.platform.config.PlatformConfig;
import dev.glimpse.platform.http.BearerAuth;
import dev.glimpse.platform.kafka.KafkaClients;
import dev.glimpse.platform.kafka.TopicCreator;
import dev.glimpse.trainingservice.TrainingService;
import dev.glimpse.trainingservice.TrainingServiceConfig;
import java.nio.file.Files;
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
public final class TrainingCommand implements GlimpseCommand, ConfigurableCommand, Callable<Integer> {

    @Option(names = "--bootstrap-servers", description = "Kafka bootstrap servers host:port[,host:port] (required unless given by -c, --config or GLIMPSE_BOOTSTRAP_SERVERS)")
    String bootstrapServers;

    @Option(names = "--model-name", defaultValue = "fashion", description = "model this service retrains (default: ${DEFAULT-VALUE})")
    String modelName;

    @Option(names = "--model", description = "ONNX model stored as the first version when the store is empty (default: models/<dataset>/model.onnx, else the bundled Fashion-MNIST MLP)")
    Path model;

    @Option(names = "--dataset", defaultValue = "fashion-mnist", description = "picks the default first model (default: ${DEFAULT-VALUE})")
    String dataset;

    @Option(names = "--store-dir", description = "model store root (default: <data-dir>/models, as in ./glimpse demo)")
    Path storeDir;

    @Option(names = "--data-dir", defaultValue = "data", description = "where the bundled model is extracted, the model store is (DIR/models) and Streams keeps state (default: ${DEFAULT-VALUE})")
    Path dataDir;

    @Option(names = "--every", description = "retrain after this many new labeled examples")
    Long every;

    @Option(names = "--interval", description = "retrain on this schedule when there is new data, e.g. 10m")
    String interval;

    @Option(names = "--shadow-fraction", description = "run candidates in shadow on this share of traffic before promotion (0 = promote directly)")
    Double shadowFraction;

    @Option(names = "--http-port", defaultValue = "9410", description = "operator API port, 0 = any free port, -1 = off (default: ${DEFAULT-VALUE})")
    int httpPort;

    @Option(names = "--token", description = "operator API write token (default: $GLIMPSE_API_TOKEN, $GLIMPSE_TOKEN or "
            + "--token-file, else a random one written to <data-dir>/token, mode 0600)")
    String token;

    @Option(names = "--read-token", description = "bearer token of read-only calls (models list); the --token works "
            + "for them too (default: $GLIMPSE_API_READ_TOKEN or $GLIMPSE_READ_TOKEN, else none)")
    String readToken;

    @Mixin
    ServiceOptions service = new ServiceOptions(TrainingServiceConfig.METRICS_PORT);

    /** The operator API token's variable, shared with {@code ./glimpse models}. */
    static final String API_TOKEN_VARIABLE = "GLIMPSE_API_TOKEN";

    /** The read-only token's variable, shared with {@code ./glimpse models list}. */
    static final String API_READ_TOKEN_VARIABLE = "GLIMPSE_API_READ_TOKEN";

    @Override
    public ConfigDefinition definition() {
        return TrainingServiceConfig.DEFINITION;
    }

    @Override
    public Map<String, String> environmentAliases() {
        return Map.of(API_TOKEN_VARIABLE, TrainingServiceConfig.API_TOKEN,
                API_READ_TOKEN_VARIABLE, TrainingServiceConfig.API_READ_TOKEN);
    }

    /** The configuration sources of this command line (not yet parsed). */
    ConfigSources sources() {
        ServiceOptions.Flags flags = service.flags()
                .put("--bootstrap-servers", PlatformConfig.BOOTSTRAP_SERVERS, bootstrapServers)
                .put("--model-name", TrainingServiceConfig.MODEL_NAME, modelName)
                .put("--store-dir", TrainingServiceConfig.STORE_DIR, storeDir)
                .put("--http-port", TrainingServiceConfig.HTTP_PORT, httpPort)
                .put("--token", TrainingServiceConfig.API_TOKEN, token)
                .put("--read-token", TrainingServiceConfig.API_READ_TOKEN, readToken)
                .put("--every", TrainingServiceConfig.EVERY_EXAMPLES, every)
                .put("--interval", TrainingServiceConfig.INTERVAL, interval)
                .put("--shadow-fraction", TrainingServiceConfig.SHADOW_FRACTION, shadowFraction);
        // derived from --data-dir and --dataset unless a source gives them
        Map<String, Object> derived = Map.of(
                TrainingServiceConfig.STATE_DIR, dataDir.resolve("training-streams").toString(),
                TrainingServiceConfig.STORE_DIR, dataDir.resolve("models").toString(),
                TrainingServiceConfig.BOOTSTRAP_MODEL, DefaultModels.resolve(model, dataset, dataDir).toString());
        return service.sources(TrainingServiceConfig.DEFINITION, derived, flags, environmentAliases());
    }

    /** The settings the service runs with: the store it reads and writes, its model, state and broker. */
    static String startupLine(TrainingServiceConfig config, String serving) {
        StartupLine line = StartupLine.of("training service", config.raw())
                .add("model", config.modelName() + " (serving " + serving + ")")
                .dir("store", config.storeDir())
                .dir("Streams state", config.stateDir());
        if (!config.bootstrapModel().isBlank()) {
            line.dir("first model", Path.of(config.bootstrapModel()));
        }
        return line.toString();
    }

    private record Parsed(ConfigSources sources, TrainingServiceConfig config) {
    }

    @Override
    public Integer call() throws Exception {
        if (service.printedReference(definition())) {
            return 0;
        }
        Optional<Parsed> parsed = service.parse("training", () -> {
            ConfigSources sources = sources();
            return new Parsed(sources, sources.parse(TrainingServiceConfig::parse));
        });
        if (parsed.isEmpty()) {
            return ServiceOptions.BAD_CONFIG;
        }
        if (!parsed.get().sources().isGiven(PlatformConfig.BOOTSTRAP_SERVERS)) {
            System.err.println("--bootstrap-servers is required (or bootstrap.servers from -c, --config or "
                    + "GLIMPSE_BOOTSTRAP_SERVERS; the demo runs the service with an embedded broker)");
            return ServiceOptions.BAD_CONFIG;
        }
        TrainingServiceConfig config = parsed.get().config();
        if (!config.bootstrapModel().isBlank() && !Files.isRegularFile(Path.of(config.bootstrapModel()))) {
            System.err.println("training: --model " + config.bootstrapModel() + " does not exist ("
                    + TrainingServiceConfig.BOOTSTRAP_MODEL + ", the first version of an empty store)");
            return ServiceOptions.BAD_CONFIG;
        }
        if (!ClusterStartup.reachable("training", config.raw())) {
            return ServiceOptions.BAD_CONFIG;
        }
        Config raw = config.raw();
        if (config.httpPort() >= 0 && raw.getBoolean(BearerAuth.ENABLED) && raw.getString(BearerAuth.TOKEN) == null
                && raw.getPath(BearerAuth.TOKEN_FILE) == null) {
            Path file = TokenFile.ensure(dataDir.resolve("token"));
            config = parsed.get().sources().flags(Map.of(BearerAuth.TOKEN_FILE, file.toString()))
                    .parse(TrainingServiceConfig::parse);
            System.out.println("operator API token in " + file.toAbsolutePath() + " (mode 0600): "
                    + "export GLIMPSE_API_TOKEN=$(cat " + file + ")");
        }
        try (Admin admin = PlatformConfig.kafkaClients(config.raw()).admin("glimpse-training-topics")) {
            TopicCreator.createMissing(admin, config.catalog(), (short) 1);
        }
        try (ServiceRunner runner = ServiceRunner.forConfig("training-service", config.raw());
             TrainingService training = new TrainingService(config, runner.registry())) {
            training.start();
            System.out.println(startupLine(config, training.lifecycle().serving().map(m -> m.version()).orElse("-"))
                    + training.api().map(a -> ", operator API on " + a.boundAddress()).orElse("")
                    + runner.metricsNote() + "; Ctrl-C stops");
            runner.awaitShutdown(); // the service runs on its own threads
            System.out.println("training service stopping after " + training.outcomes().size() + " training runs");
        }
        return 0;
    }
}
