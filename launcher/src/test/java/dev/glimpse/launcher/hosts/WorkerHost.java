package dev.glimpse.launcher.hosts;

import dev.glimpse.contracts.TopicCatalog;
import dev.glimpse.explainworker.ExplainWorker;
import dev.glimpse.explainworker.ExplainWorkerConfig;
import dev.glimpse.inference.InferenceConfig;
import dev.glimpse.inference.InferenceWorker;
import dev.glimpse.platform.config.PlatformConfig;
import dev.glimpse.platform.metrics.MetricsServer;
import dev.glimpse.registry.objectstore.ObjectFetcher;
import dev.glimpse.registry.objectstore.ObjectStore;
import dev.glimpse.registry.objectstore.ObjectStoreConfig;
import dev.glimpse.registry.objectstore.StoreSettings;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * "Another host" for {@code TwoHostObjectStoreTest}: started as its own JVM, with its own data directory and no
 * path in common with the test's, it runs an inference worker and an explain worker whose only ways to the other
 * host are Kafka and the S3-compatible store. The start model, too, is downloaded from the store (by URI and
 * sha256, as an image baked for the host would carry it). Prints {@code ready} once both run; stops when stdin
 * closes.
 *
 * <p>Arguments: bootstrap servers, topic prefix, store URI (s3://bucket/prefix), S3 endpoint, data directory,
 * start model URI, its sha256.
 */
public final class WorkerHost {
    private WorkerHost() {
    }

    public static void main(String[] args) throws Exception {
        String bootstrap = args[0];
        String prefix = args[1];
        Path dataDir = Path.of(args[4]);
        Map<String, Object> store = Map.of(ObjectStoreConfig.URI_KEY, args[2], ObjectStoreConfig.S3_ENDPOINT, args[3],
                ObjectStoreConfig.S3_PATH_STYLE, "true", ObjectStoreConfig.CACHE_DIR, dataDir.resolve("store-cache").toString());
        StoreSettings settings = ObjectStoreConfig.settings(ObjectStoreConfig.definition().parse(store));
        Path startModel;
        Optional<ObjectStore> bucket = settings.open();
        try {
            ObjectFetcher fetcher = settings.fetcher(bucket);
            startModel = fetcher.fetchToFile(args[5], args[6]);
        } finally {
            bucket.ifPresent(ObjectStore::close);
        }

        Map<String, Object> inference = new HashMap<>(store);
        inference.put(PlatformConfig.BOOTSTRAP_SERVERS, bootstrap);
        inference.put(PlatformConfig.TOPIC_PREFIX, prefix);
        inference.put(PlatformConfig.METRICS_PORT, "-1");
        inference.put(InferenceConfig.MODEL, startModel.toString());
        inference.put(InferenceConfig.MODEL_NAME, "fashion");
        inference.put(InferenceConfig.WORKER_ID, "host-b-inference");
        inference.put(InferenceConfig.DEVICE, "cpu");
        inference.put(InferenceConfig.MAX_WAIT_MS, "5");
        InferenceConfig inferenceConfig = InferenceConfig.parse(inference);
        TopicCatalog catalog = new TopicCatalog(prefix, TopicCatalog.DEFAULT_PARTITIONS);

        Map<String, Object> explain = new HashMap<>(store);
        explain.put(PlatformConfig.BOOTSTRAP_SERVERS, bootstrap);
        explain.put(PlatformConfig.TOPIC_PREFIX, prefix);
        explain.put(PlatformConfig.METRICS_PORT, "-1");
        explain.put(ExplainWorkerConfig.MODEL, startModel.toString());
        explain.put(ExplainWorkerConfig.ARTIFACTS_DIR, dataDir.resolve("artifacts").toString());
        explain.put(ExplainWorkerConfig.POLICY, "all");
        explain.put(ExplainWorkerConfig.METHODS, "saliency");
        explain.put(ExplainWorkerConfig.DEVICE, "cpu");
        ExplainWorkerConfig explainConfig = ExplainWorkerConfig.from(ExplainWorkerConfig.DEFINITION.parse(explain));

        try (InferenceWorker inferenceWorker = new InferenceWorker(inferenceConfig, catalog, MetricsServer.newRegistry("inference-worker"));
             ExplainWorker explainWorker = ExplainWorker.create(explainConfig, MetricsServer.newRegistry("explain-worker"))) {
            inferenceWorker.start();
            explainWorker.start();
            System.out.println("ready: inference serving " + inferenceWorker.servingVersion() + ", artifacts "
                    + explainWorker.artifactStore().describe());
            System.out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            while (in.readLine() != null) {
                // runs until the test closes our stdin
            }
        }
    }
}
