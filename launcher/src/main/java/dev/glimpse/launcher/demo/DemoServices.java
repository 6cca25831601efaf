package dev.glimpse.launcher.demo;

import dev.glimpse.explainworker.ExplainServices;
import dev.glimpse.ingest.IngestConfig;
import dev.glimpse.ingest.IngestService;
import dev.glimpse.inference.InferenceConfig;
import dev.glimpse.inference.InferenceWorker;
import dev.glimpse.monitoring.MonitoringService;
import dev.glimpse.platform.GlimpseService;
import dev.glimpse.platform.config.PlatformConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The services {@code ./glimpse demo} runs in one JVM, in start order (they are closed in reverse): consumers
 * first, so they are ready when the dataset replay (a source) begins. To add a service (explain-worker, console,
 * monitoring, training-service), add one line to {@link #ALL} building it from the {@link DemoContext}.
 */
public final class DemoServices {

    /** Builds one service of the demo. */
    @FunctionalInterface
    public interface Factory {
        List<GlimpseService> create(DemoContext context) throws Exception;
    }

    public static final List<Factory> ALL = List.of(
            c -> List.of(MonitoringService.forDemo(c.bootstrapServers(), c.catalog(), c.dataDir(), c.registry())),
            DemoServices::explainServices,
            DemoServices::inferenceWorkers,
            c -> List.of(new IngestService(ingestConfig(c), c.registry())));

    private DemoServices() {
    }

    /** Every service of the demo, not started. */
    public static List<GlimpseService> create(DemoContext context) throws Exception {
        List<GlimpseService> services = new ArrayList<>();
        for (Factory f : ALL) {
            services.addAll(f.create(context));
        }
        return services;
    }

    static List<GlimpseService> explainServices(DemoContext c) {
        if (c.explainPolicy().equals("off")) {
            return List.of();
        }
        return List.of(ExplainServices.create(c.bootstrapServers(), c.catalog(), c.model(),
                c.dataDir().resolve("artifacts"), c.httpPort(), c.registry(), c.explainPolicy()));
    }

    static List<GlimpseService> inferenceWorkers(DemoContext c) {
        List<GlimpseService> workers = new ArrayList<>();
        for (int i = 0; i < c.inferenceWorkers(); i++) {
            // stable ids: a demo restarted on the same data directory fences its predecessor's open transactions
            workers.add(new InferenceWorker(InferenceConfig.builder().bootstrapServers(c.bootstrapServers())
                    .workerId("demo-inference-" + i).model(c.model()).device(c.device()).build(),
                    c.catalog(), c.registry()));
        }
        return workers;
    }

    static IngestConfig ingestConfig(DemoContext c) {
        Map<String, Object> values = new LinkedHashMap<>();
        values.put(PlatformConfig.BOOTSTRAP_SERVERS, c.bootstrapServers());
        values.put(PlatformConfig.TOPIC_PREFIX, c.catalog().prefix());
        values.put(PlatformConfig.METRICS_PORT, -1); // the demo serves one /metrics for all services
        values.put(IngestConfig.HTTP_PORT, c.ingestPort());
        values.put(IngestConfig.DATASET, c.dataset());
        values.put(IngestConfig.RATE, c.rate());
        // without --events the replay wraps around the test split until Ctrl-C
        values.put(IngestConfig.LIMIT, c.events() > 0 ? c.events() : Long.MAX_VALUE / 2);
        return IngestConfig.parse(values);
    }
}
