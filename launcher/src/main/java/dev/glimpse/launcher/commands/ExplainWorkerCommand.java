package dev.glimpse.launcher.commands;

import dev.glimpse.console.ConsoleConfig;
import dev.glimpse.platform.http.BearerAuth;
import dev.glimpse.console.ConsoleServer;
import dev.glimpse.registry.objectstore.ObjectStoreConfig;
import dev.glimpse.explainworker.ExplainWorker;
import dev.glimpse.explainworker.ExplainWorkerConfig;
import dev.glimpse.explainworker.ExplanationOptions;
import dev.glimpse.launcher.GlimpseCommand;
import dev.glimpse.platform.config.Config;
import dev.glimpse.platform.config.ConfigDefinition;
import dev.glimpse.platform.config.ConfigSources;
import dev.glimpse.platform.config.PlatformConfig;
import dev.glimpse.runtime.DeviceUnavailableException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code ./glimpse explain-worker}: the explain worker (and the web console) against a Kafka cluster. */
@Command(name = "explain-worker", mixinStandardHelpOptions = true,
        description = "Explain predictions chosen by a policy, store artifacts, publish 'explanations'; serve the console.")
public final class ExplainWorkerCommand implements GlimpseCommand, ConfigurableCommand, Callable<Integer> {

    /** The keys of this command: the explain worker's and those of the console it serves. */
    static final ConfigDefinition DEFINITION = new ConfigDefinition("explain-worker")
            .include(ExplainWorkerConfig.DEFINITION).include(ConsoleConfig.KEYS);

    @Option(names = "--bootstrap-servers", description = "Kafka bootstrap servers host:port[,host:port] (required unless given by -c, --config or GLIMPSE_BOOTSTRAP_SERVERS)")
    String bootstrapServers;

    @Option(names = "--model", description = "model file, or model store root (<root>/<name>/<version>/model.onnx) (explain.model, required)")
    Path model;

    @Option(names = "--artifacts", defaultValue = "data/artifacts", description = "artifact store directory (default: ${DEFAULT-VALUE})")
    Path artifacts;

    @Option(names = "--artifacts-max-mb", defaultValue = "1024", description = "artifact store size bound in MiB (default: ${DEFAULT-VALUE})")
    long artifactsMaxMb;

    @Option(names = "--artifacts-max-age", defaultValue = "P7D", description = "artifact age bound, ISO-8601 (default: ${DEFAULT-VALUE})")
    Duration artifactsMaxAge;

    @Option(names = "--policy", defaultValue = "all",
            description = "all | sample:<rate> | low-confidence:<p> | disagreement | on-demand, comma-separated (default: ${DEFAULT-VALUE})")
    String policy;

    @Option(names = "--methods", split = ",", defaultValue = "gradcam,guided-gradcam,featuremaps",
            description = "methods run on each selected prediction (default: ${DEFAULT-VALUE})")
    List<String> methods;

    @Option(names = "--layer", description = "ONNX tensor for CAM methods and feature maps (default: the last 4-D activation whose side is "
            + "at least min(14, input side / 4))")
    String layer;

    @Option(names = "--param", paramLabel = "KEY=VALUE", description = "method parameter as explain --param takes it, e.g. "
            + "tokens.grid=14x14 for a vision transformer (explain.params; repeatable)")
    List<String> params;

    @Option(names = "--batch", defaultValue = "8", description = "max predictions per transaction (default: ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--device", defaultValue = "cpu", description = "ONNX Runtime device of the explanation sessions: cpu, auto (CUDA when present, else CPU "
            + "with a warning) or cuda[:N] (strict) (default: ${DEFAULT-VALUE})")
    String device;

    @Option(names = "--instance-id", defaultValue = "explain-worker-0",
            description = "stable id of this instance (its transactional id) (default: ${DEFAULT-VALUE})")
    String instanceId;

    @Option(names = "--console-port", defaultValue = "8080", description = "web console port; 0 = any free port, -1 = no console (default: ${DEFAULT-VALUE})")
    int consolePort;

    @Option(names = "--console-token-env", defaultValue = "GLIMPSE_CONSOLE_TOKEN",
            description = "environment variable holding the console's write token (auth.token) besides $GLIMPSE_TOKEN "
                    + "(default: ${DEFAULT-VALUE})")
    String tokenEnv;

    @Mixin
    ServiceOptions service = new ServiceOptions(ExplainWorkerConfig.METRICS_PORT);

    @Override
    public ConfigDefinition definition() {
        return DEFINITION;
    }

    @Override
    public Map<String, String> environmentAliases() {
        return Map.of(tokenEnv, BearerAuth.TOKEN);
    }

    /** The configuration sources of this command line (not yet parsed). */
    ConfigSources sources() {
        ServiceOptions.Flags flags = service.flags()
                .put("--bootstrap-servers", PlatformConfig.BOOTSTRAP_SERVERS, bootstrapServers)
                .put("--model", ExplainWorkerConfig.MODEL, model)
                .put("--artifacts", ExplainWorkerConfig.ARTIFACTS_DIR, artifacts)
                .put("--artifacts-max-mb", ExplainWorkerConfig.ARTIFACTS_MAX_BYTES, artifactsMaxMb << 20)
                .put("--artifacts-max-age", ExplainWorkerConfig.ARTIFACTS_MAX_AGE, artifactsMaxAge)
                .put("--policy", ExplainWorkerConfig.POLICY, policy)
                .put("--methods", ExplainWorkerConfig.METHODS, methods)
                .put("--layer", ExplainWorkerConfig.LAYER, layer)
                .put("--param", ExplanationOptions.PARAMS, params)
                .put("--batch", ExplainWorkerConfig.BATCH_MAX, batch)
                .put("--device", ExplainWorkerConfig.DEVICE, device)
                .put("--instance-id", ExplainWorkerConfig.INSTANCE_ID, instanceId)
                .put("--console-port", ConsoleConfig.PORT, consolePort);
        // models read from a bucket are cached next to the artifact directory unless a source says where
        Map<String, Object> derived = Map.of(ObjectStoreConfig.CACHE_DIR,
                artifacts.toAbsolutePath().normalize().resolveSibling("store-cache").toString());
        return service.sources(DEFINITION, derived, flags, environmentAliases());
    }

    private record Parsed(ConfigSources sources, ExplainWorkerConfig worker, Optional<ConsoleConfig> console, Config raw) {
    }

    @Override
    public Integer call() throws Exception {
        if (service.printedReference(definition())) {
            return 0;
        }
        Optional<Parsed> parsed = service.parse("explain-worker", () -> {
            ConfigSources sources = sources();
            Config config = sources.parse();
            ExplainWorkerConfig worker = sources.parse(raw -> ExplainWorkerConfig.from(config));
            Optional<ConsoleConfig> console = config.getInt(ConsoleConfig.PORT) < 0 ? Optional.empty()
                    : Optional.of(sources.parse(raw -> ConsoleConfig.from(config, worker.modelPath())));
            return new Parsed(sources, worker, console, config);
        });
        if (parsed.isEmpty()) {
            return ServiceOptions.BAD_CONFIG;
        }
        if (!parsed.get().sources().isGiven(PlatformConfig.BOOTSTRAP_SERVERS)) {
            System.err.println("explain-worker: --bootstrap-servers is required (or bootstrap.servers from -c, --config or "
                    + "GLIMPSE_BOOTSTRAP_SERVERS)");
            return ServiceOptions.BAD_CONFIG;
        }
        Path model = parsed.get().worker().modelPath();
        if (!Files.exists(model)) {
            System.err.println("explain-worker: --model " + model + " does not exist (a model file or a model store root)");
            return ServiceOptions.BAD_CONFIG;
        }
        if (!ClusterStartup.reachable("explain-worker", parsed.get().raw())) {
            return ServiceOptions.BAD_CONFIG;
        }
        try {
            return run(parsed.get());
        } catch (DeviceUnavailableException e) {
            // a strict --device cuda that cannot be had: one line, no stack trace, before anything is consumed
            System.err.println("glimpse explain-worker: --device " + parsed.get().worker().deviceSpec() + ": " + e.getMessage());
            return 2;
        }
    }

    private Integer run(Parsed parsed) throws Exception {
        try (ServiceRunner runner = ServiceRunner.forConfig("explain-worker", parsed.raw());
             ExplainWorker explainWorker = ExplainWorker.create(parsed.worker(), runner.registry());
             ConsoleServer consoleServer = parsed.console().map(c -> new ConsoleServer(c, explainWorker.artifactStore(),
                     explainWorker, runner.registry())).orElse(null)) {
            explainWorker.start();
            runner.addHealth("explain-worker", explainWorker::health);
            if (consoleServer != null) {
                consoleServer.start();
            }
            ExplainWorkerConfig settings = parsed.worker();
            System.out.println(StartupLine.of("explain-worker", parsed.raw())
                    .dir("model", settings.modelPath()).dir("artifacts", settings.artifactDir())
                    .add("device", settings.deviceSpec()).add("methods", String.join(",", settings.methods()))
                    + (consoleServer != null ? ", console on " + consoleServer.url() : "")
                    + runner.metricsNote() + "; Ctrl-C stops");
            if (!runner.awaitShutdown(explainWorker::isRunning)) {
                System.err.println("explain-worker stopped: " + explainWorker.failure());
                return 1;
            }
            System.out.println(explainWorker.summary().line());
        }
        return 0;
    }
}
