package dev.glimpse.explainworker;

import dev.glimpse.console.ConsoleConfig;
import dev.glimpse.console.ConsoleServer;
import dev.glimpse.contracts.TopicCatalog;
import dev.glimpse.platform.GlimpseService;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The explain worker and the web console together, sharing the artifact store and on-demand explanations: what
 * {@code ./glimpse demo} and {@code ./glimpse explain-worker} run.
 */
public final class ExplainServices implements GlimpseService {

    private final ExplainWorker worker;
    private final ConsoleServer console;

    public ExplainServices(ExplainWorkerConfig workerConfig, ConsoleConfig consoleConfig, MeterRegistry registry) {
        this.worker = ExplainWorker.create(workerConfig, registry);
        this.console = consoleConfig == null ? null : new ConsoleServer(consoleConfig, worker.artifactStore(), worker);
    }

    /**
     * The demo's one-liner: explains every prediction (gradcam, guided-gradcam, featuremaps) and serves the
     * console on {@code consolePort} (0 = none).
     */
    public static ExplainServices create(String bootstrapServers, TopicCatalog catalog, Path modelPath, Path artifactDir,
                                         int consolePort, MeterRegistry registry) {
        ExplainWorkerConfig w = ExplainWorkerConfig.defaults(bootstrapServers, catalog, modelPath, artifactDir);
        ConsoleConfig c = consolePort <= 0 ? null : ConsoleConfig.defaults(bootstrapServers, catalog, consolePort, modelPath);
        return new ExplainServices(w, c, registry);
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
