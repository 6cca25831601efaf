package dev.glimpse.explainworker;

import dev.glimpse.console.ConsoleConfig;
import dev.glimpse.console.ConsoleServer;
import dev.glimpse.contracts.TopicCatalog;
import dev.glimpse.engine.onnx.Onnx;
import dev.glimpse.explainworker.policy.PolicySpec;
import dev.glimpse.platform.GlimpseService;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The explain worker and the web console together, sharing the artifact store and on-demand explanations: what
 * {@code ./glimpse demo} and {@code ./glimpse explain-worker} run.
 */
public final class ExplainServices implements GlimpseService {

    private static final Logger LOG = LoggerFactory.getLogger(ExplainServices.class);

    private final ExplainWorker worker;
    private final ConsoleServer console;

    public ExplainServices(ExplainWorkerConfig workerConfig, ConsoleConfig consoleConfig, MeterRegistry registry) {
        this.worker = ExplainWorker.create(workerConfig, registry);
        this.console = consoleConfig == null ? null : new ConsoleServer(consoleConfig, worker.artifactStore(), worker);
    }

    /**
     * The demo's one-liner: explains every prediction (gradcam, guided-gradcam, featuremaps; saliency and guided
     * backprop for a model without convolutions, such as the bundled MLP) and serves the console on
     * {@code consolePort} (0 = any free port, negative = no console).
     */
    public static ExplainServices create(String bootstrapServers, TopicCatalog catalog, Path modelPath, Path artifactDir,
                                         int consolePort, MeterRegistry registry) {
        return create(bootstrapServers, catalog, modelPath, artifactDir, consolePort, registry, "all");
    }

    /** As {@link #create(String, TopicCatalog, Path, Path, int, MeterRegistry)} with an explanation policy spec. */
    public static ExplainServices create(String bootstrapServers, TopicCatalog catalog, Path modelPath, Path artifactDir,
                                         int consolePort, MeterRegistry registry, String policy) {
        return create(bootstrapServers, catalog, modelPath, artifactDir, consolePort, registry, policy, null);
    }

    /** As above, with the ONNX Runtime device of the explanation sessions (null = the config default). */
    public static ExplainServices create(String bootstrapServers, TopicCatalog catalog, Path modelPath, Path artifactDir,
                                         int consolePort, MeterRegistry registry, String policy, String device) {
        PolicySpec.parse(policy); // rejects a bad spec before anything starts
        ExplainWorkerConfig w = ExplainWorkerConfig.defaults(bootstrapServers, catalog, modelPath, artifactDir)
                .withPolicy(policy);
        if (device != null) {
            w = w.withDevice(device);
        }
        if (!hasConvolution(modelPath)) {
            LOG.warn("model {} has no Conv layer: explaining with saliency and guided backprop instead of {}", modelPath,
                    w.methods());
            w = w.withMethods(List.of("saliency", "guided"), null);
        }
        ConsoleConfig c = consolePort < 0 ? null : ConsoleConfig.defaults(bootstrapServers, catalog, consolePort, modelPath);
        return new ExplainServices(w, c, registry);
    }

    /** Whether the ONNX file has a Conv node (true when it cannot be read: the worker reports that itself). */
    static boolean hasConvolution(Path model) {
        if (model == null || !Files.isRegularFile(model)) {
            return true;
        }
        try (InputStream in = Files.newInputStream(model)) {
            return Onnx.ModelProto.parseFrom(in).getGraph().getNodeList().stream()
                    .anyMatch(n -> n.getOpType().equals("Conv"));
        } catch (IOException e) {
            return true;
        }
    }

    @Override
    public String name() {
        return "explain";
    }

    @Override
    public void start() throws Exception {
        worker.start();
        if (console != null) {
            console.start();
        }
    }

    public ExplainWorker worker() {
        return worker;
    }

    /** The console, or null when it was not asked for. */
    public ConsoleServer console() {
        return console;
    }

    public ExplainSummary summary() {
        return worker.summary();
    }

    /** See {@link ExplainWorker#awaitIdle}. */
    public boolean awaitIdle(Duration timeout) throws InterruptedException {
        return worker.awaitIdle(timeout);
    }

    @Override
    public void close() {
        if (console != null) {
            console.close();
        }
        worker.close();
    }
}
