package dev.glimpse.launcher.demo;

import dev.glimpse.contracts.TopicCatalog;
import dev.glimpse.runtime.ExecutionDevice;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Path;

/**
 * What every service of {@code ./glimpse demo} is built from: where the (embedded) broker is, the topics, the
 * shared metrics registry served on {@code /metrics}, the data directory, the model and the demo's options.
 *
 * @param events     images to replay (0 = the whole test split, repeated until Ctrl-C)
 * @param rate       replay rate in images per second (0 = as fast as possible)
 * @param httpPort   port of the web console (0 = any free port, -1 = off)
 * @param ingestPort port of the ingest HTTP API {@code POST /v1/images} (0 = any free port, -1 = off)
 * @param explainPolicy which predictions the explain worker explains (see PolicySpec), or {@code off}
 * @param feedback   share of replayed images whose label is sent as feedback; above 0 the training service runs
 * @param auth       whether the write endpoints (ingest, console) need the token of {@code <data-dir>/token}; false
 *                   with {@code --no-auth}
 */
public record DemoContext(String bootstrapServers, TopicCatalog catalog, MeterRegistry registry, Path dataDir,
                          Path model, String dataset, ExecutionDevice device, long events, double rate,
                          int httpPort, int ingestPort, int inferenceWorkers, String explainPolicy,
                          double feedback, boolean auth) {

    /** A demo whose write endpoints need its token. */
    public DemoContext(String bootstrapServers, TopicCatalog catalog, MeterRegistry registry, Path dataDir, Path model,
                       String dataset, ExecutionDevice device, long events, double rate, int httpPort, int ingestPort,
                       int inferenceWorkers, String explainPolicy, double feedback) {
        this(bootstrapServers, catalog, registry, dataDir, model, dataset, device, events, rate, httpPort, ingestPort,
                inferenceWorkers, explainPolicy, feedback, true);
    }

    /** The model name the training service publishes and the inference workers follow in the demo. */
    public static final String MODEL_NAME = "fashion";
}
