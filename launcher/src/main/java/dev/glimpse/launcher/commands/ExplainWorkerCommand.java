package dev.glimpse.launcher.commands;

import dev.glimpse.console.ConsoleConfig;
import dev.glimpse.contracts.TopicCatalog;
import dev.glimpse.console.ConsoleServer;
import dev.glimpse.explainworker.ExplainWorker;
import dev.glimpse.explainworker.ExplainWorkerConfig;
import dev.glimpse.registry.artifacts.ArtifactStore;
import dev.glimpse.launcher.GlimpseCommand;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ./glimpse explain-worker}: the explain worker (and the web console) against a Kafka cluster. */
@Command(name = "explain-worker", mixinStandardHelpOptions = true,
        description = "Explain predictions chosen by a policy, store artifacts, publish 'explanations'; serve the console.")
public final class ExplainWorkerCommand implements GlimpseCommand, Callable<Integer> {

    @Option(names = "--bootstrap-servers", required = true, description = "Kafka bootstrap servers host:port[,host:port]")
    String bootstrapServers;

    @Option(names = "--model", required = true, description = "model file, or model store root (<root>/<name>/<version>/model.onnx)")
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

    @Option(names = "--batch", defaultValue = "8", description = "max predictions per transaction (default: ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--device", defaultValue = "cpu", description = "ONNX Runtime device of the explanation sessions: cpu, auto (CUDA when present, else CPU "
            + "with a warning) or cuda[:N] (strict) (default: ${DEFAULT-VALUE})")
    String device;

    @Option(names = "--topic-prefix", defaultValue = "", description = "prefix of every topic name")
    String topicPrefix;

    @Option(names = "--instance-id", defaultValue = "explain-worker-0",
            description = "stable id of this instance (its transactional id) (default: ${DEFAULT-VALUE})")
    String instanceId;

    @Option(names = "--console-port", defaultValue = "8080", description = "web console port; 0 = any free port, -1 = no console (default: ${DEFAULT-VALUE})")
    int consolePort;

    @Option(names = "--console-bind", defaultValue = "127.0.0.1", description = "console bind address (default: ${DEFAULT-VALUE})")
    String consoleBind;

    @Option(names = "--console-token-env", defaultValue = "GLIMPSE_CONSOLE_TOKEN",
            description = "environment variable holding the bearer token for write endpoints (default: ${DEFAULT-VALUE}); unset = none")
    String tokenEnv;

    @Option(names = "--metrics-port", defaultValue = "9403", description = "Prometheus /metrics port (default: ${DEFAULT-VALUE})")
    int metricsPort;

    @Override
    public Integer call() throws Exception {
        try {
            return run();
        } catch (dev.glimpse.runtime.DeviceUnavailableException e) {
            // a strict --device cuda that cannot be had: one line, no stack trace, before anything is consumed
            System.err.println("glimpse explain-worker: --device " + device + ": " + e.getMessage());
            return 2;
        }
    }

    private Integer run() throws Exception {
        TopicCatalog catalog = new TopicCatalog(topicPrefix, TopicCatalog.DEFAULT_PARTITIONS);
        ExplainWorkerConfig worker = ExplainWorkerConfig.defaults(bootstrapServers, catalog, model, artifacts)
                .withPolicy(policy).withMethods(methods, layer).withBatch(batch, Duration.ofMillis(200))
                .withIdentity(catalog.prefix() + "explain-worker", instanceId).withDevice(device)
                .withArtifactLimits(new ArtifactStore.Limits(artifactsMaxMb << 20, artifactsMaxAge));
        String token = System.getenv(tokenEnv);
        ConsoleConfig console = consolePort < 0 ? null
                : ConsoleConfig.defaults(bootstrapServers, catalog, consolePort, model).withBind(consoleBind)
                        .withToken(token == null || token.isBlank() ? null : token);
        try (ServiceRunner runner = new ServiceRunner("explain-worker", ServiceRunner.ALL_INTERFACES, metricsPort);
             ExplainWorker explainWorker = ExplainWorker.create(worker, runner.registry());
             ConsoleServer consoleServer = console == null ? null
                     : new ConsoleServer(console, explainWorker.artifactStore(), explainWorker)) {
            explainWorker.start();
            if (consoleServer != null) {
                consoleServer.start();
            }
            System.out.println("explain-worker running" + runner.metricsNote()
                    + (consoleServer != null ? "; console on " + consoleServer.url() : "") + "; Ctrl-C stops");
            if (!runner.awaitShutdown(explainWorker::isRunning)) {
                System.err.println("explain-worker stopped: " + explainWorker.failure());
                return 1;
            }
            System.out.println(explainWorker.summary().line());
        }
        return 0;
    }
}
