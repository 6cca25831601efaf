package dev.glimpse.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glimpse.contracts.TopicCatalog;
import dev.glimpse.explainworker.ExplainWorkerConfig;
import dev.glimpse.inference.InferenceConfig;
import dev.glimpse.monitoring.MonitoringService;
import dev.glimpse.platform.config.PlatformConfig;
import dev.glimpse.trainingservice.TrainingServiceConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two deployments with different topic prefixes on one cluster share no consumer group, transactional or Streams id. */
class DeploymentIdsTest {

    @TempDir
    Path dir;

    /** Every group, transactional and application id a deployment with {@code prefix} uses, all from its defaults. */
    private List<String> ids(String prefix) throws Exception {
        Path model = Files.writeString(dir.resolve(prefix + "model.onnx"), "not read here");
        Map<String, Object> inference = new LinkedHashMap<>();
        inference.put(PlatformConfig.TOPIC_PREFIX, prefix);
        inference.put(InferenceConfig.MODEL, model.toString());
        inference.put(InferenceConfig.WORKER_ID, "worker-0"); // the same stable worker id in both deployments
        InferenceConfig inf = InferenceConfig.parse(inference);

        TopicCatalog catalog = TopicCatalog.withPrefix(prefix);
        ExplainWorkerConfig explain = ExplainWorkerConfig.defaults("127.0.0.1:9092", catalog, model, dir.resolve("artifacts"));

        TrainingServiceConfig training = TrainingServiceConfig.parse(Map.of(PlatformConfig.TOPIC_PREFIX, prefix));

        return List.of(inf.groupId(), inf.transactionalId(), explain.groupId(), explain.transactionalId(),
                training.applicationId(), MonitoringService.applicationId(catalog));
    }

    @Test
    void shouldGiveEachPrefixedDeploymentItsOwnGroupTransactionalAndApplicationIds() throws Exception {
        // Given the demo's deployment (prefix "demo.") and a second one beside it (prefix "staging.")
        List<String> demo = ids("demo.");
        List<String> staging = ids("staging.");

        // Then every id carries its deployment's prefix...
        demo.forEach(id -> assertTrue(id.startsWith("demo."), id));
        staging.forEach(id -> assertTrue(id.startsWith("staging."), id));
        // ...so none is shared: the second deployment joins no group of the first and fences none of its producers
        Set<String> shared = new HashSet<>(demo);
        shared.retainAll(staging);
        assertEquals(Set.of(), shared);
    }

    @Test
    void shouldKeepTheUnprefixedIdsOfASingleDeployment() throws Exception {
        // Given no prefix, the ids stay what existing deployments already use (their committed offsets stay valid)
        List<String> ids = ids("");
        assertEquals("glimpse-inference", ids.get(0));
        assertEquals("glimpse-training", ids.get(4));
        assertEquals("glimpse-monitoring", ids.get(5));
    }
}
