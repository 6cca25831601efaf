package dev.glimpse.explainworker;

import dev.glimpse.contracts.TopicCatalog;
import dev.glimpse.registry.artifacts.ArtifactStore;
import dev.glimpse.explainworker.policy.ExplanationPolicy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Configuration of the explain worker, validated once at construction; an error names the key and quotes the
 * bad value.
 *
 * @param bootstrapServers  Kafka bootstrap servers ({@code bootstrap.servers})
 * @param catalog           topic names and serdes
 * @param modelPath         a model file (single-model deployment) or a model store root ({@code explain.model})
 * @param artifactDir       root of the artifact store ({@code explain.artifacts.dir})
 * @param artifactLimits    size and age bounds of the artifact store
 * @param policy            which predictions to explain ({@code explain.policy}, see PolicySpec)
 * @param methods           methods run on every selected prediction ({@code explain.methods})
 * @param layer             ONNX tensor for CAM methods and feature maps; null = the model's localisation layer
 *                          ({@code Explainer.localisationLayer()}: the last 4-D activation whose side is at least
 *                          min(14, input side / 4))
 * @param maxBatch          most predictions explained per transaction ({@code explain.batch.max})
 * @param maxWait           longest poll wait before a partial batch is processed ({@code explain.batch.wait})
 * @param groupId           consumer group on the predictions topic
 * @param instanceId        stable id of this worker: its transactional id, so a restarted worker fences its
 *                          crashed predecessor and aborts that one's open transaction
 * @param imageCacheEntries images kept for the join with predictions ({@code explain.images.cache.entries})
 * @param imageCacheBytes   bytes of encoded images kept ({@code explain.images.cache.bytes})
 * @param imageLookback     how far back in time the images topic is read at start ({@code explain.images.lookback})
 * @param imageWait         how long a prediction waits for its image before it is dead-lettered
 * @param deviceSpec        ONNX Runtime device: cpu, cuda[:N], auto
 * @param pointingTolerance pointing-game tolerance in pixels of a 224-pixel image, scaled to the image's larger side
 *                          (Zhang et al.'s 15 px; 2.1 px on a 32-pixel image)
 * @param faithfulnessSteps deletion/insertion curve steps
 */
public record ExplainWorkerConfig(String bootstrapServers, TopicCatalog catalog, Path modelPath, Path artifactDir,
                                  ArtifactStore.Limits artifactLimits, String policy, List<String> methods,
                                  String layer, int maxBatch, Duration maxWait, String groupId, String instanceId,
                                  int imageCacheEntries, long imageCacheBytes, Duration imageLookback,
                                  Duration imageWait, String deviceSpec, double pointingTolerance,
                                  int faithfulnessSteps) {

    public static final List<String> DEFAULT_METHODS = List.of("gradcam", "guided-gradcam", "featuremaps");

    public ExplainWorkerConfig {
        require(bootstrapServers != null && !bootstrapServers.isBlank(), "bootstrap.servers", bootstrapServers, "a host:port list");
        Objects.requireNonNull(catalog, "catalog");
        require(modelPath != null, "explain.model", modelPath, "a model file or model store directory");
        require(artifactDir != null, "explain.artifacts.dir", artifactDir, "a directory");
        Objects.requireNonNull(artifactLimits, "artifactLimits");
        ExplanationPolicy.parse(policy); // validates, naming the bad term
        methods = List.copyOf(methods);
        require(!methods.isEmpty(), "explain.methods", methods, "at least one method");
        for (String m : methods) {
            require(m.matches("[a-z+-]+"), "explain.methods", m, "method names like gradcam, guided-gradcam, featuremaps");
        }
        require(layer == null || !layer.isBlank(), "explain.layer", layer, "an ONNX tensor name or absent");
        require(maxBatch >= 1 && maxBatch <= 1024, "explain.batch.max", maxBatch, "1..1024");
        require(maxWait != null && !maxWait.isNegative() && maxWait.toMillis() <= 60_000, "explain.batch.wait", maxWait, "0..60s");
        require(groupId != null && !groupId.isBlank(), "explain.group.id", groupId, "a consumer group id");
        require(instanceId != null && instanceId.matches("[A-Za-z0-9._-]+"), "explain.instance.id", instanceId, "[A-Za-z0-9._-]+");
        require(imageCacheEntries >= 1, "explain.images.cache.entries", imageCacheEntries, ">= 1");
        require(imageCacheBytes >= 1024, "explain.images.cache.bytes", imageCacheBytes, ">= 1024");
        require(imageLookback != null && !imageLookback.isNegative(), "explain.images.lookback", imageLookback, ">= 0");
        require(imageWait != null && !imageWait.isNegative(), "explain.images.wait", imageWait, ">= 0");
        require(deviceSpec != null && deviceSpec.matches("cpu|auto|cuda(:\\d+)?"), "explain.device", deviceSpec, "cpu, auto or cuda[:N]");
        require(pointingTolerance >= 0, "explain.pointing.tolerance", pointingTolerance, ">= 0 pixels at 224 px");
        require(faithfulnessSteps >= 1 && faithfulnessSteps <= 1000, "explain.faithfulness.steps", faithfulnessSteps, "1..1000");
    }

    /** Defaults: gradcam + guided-gradcam + featuremaps on every prediction, batches of 8, 1 GiB of artifacts. */
    public static ExplainWorkerConfig defaults(String bootstrapServers, TopicCatalog catalog, Path modelPath, Path artifactDir) {
        return new ExplainWorkerConfig(bootstrapServers, catalog, modelPath, artifactDir, ArtifactStore.Limits.defaults(),
                "all", DEFAULT_METHODS, null, 8, Duration.ofMillis(200), catalog.prefix() + "explain-worker",
                "explain-worker-0", 20_000, 256L << 20, Duration.ofMinutes(30), Duration.ofSeconds(20), "cpu", 15.0, 16);
    }

    public ExplainWorkerConfig withPolicy(String p) {
        return new ExplainWorkerConfig(bootstrapServers, catalog, modelPath, artifactDir, artifactLimits, p, methods, layer,
                maxBatch, maxWait, groupId, instanceId, imageCacheEntries, imageCacheBytes, imageLookback, imageWait,
                deviceSpec, pointingTolerance, faithfulnessSteps);
    }

    public ExplainWorkerConfig withMethods(List<String> m, String l) {
        return new ExplainWorkerConfig(bootstrapServers, catalog, modelPath, artifactDir, artifactLimits, policy, m, l,
                maxBatch, maxWait, groupId, instanceId, imageCacheEntries, imageCacheBytes, imageLookback, imageWait,
                deviceSpec, pointingTolerance, faithfulnessSteps);
    }

    public ExplainWorkerConfig withBatch(int max, Duration wait) {
        return new ExplainWorkerConfig(bootstrapServers, catalog, modelPath, artifactDir, artifactLimits, policy, methods,
                layer, max, wait, groupId, instanceId, imageCacheEntries, imageCacheBytes, imageLookback, imageWait,
                deviceSpec, pointingTolerance, faithfulnessSteps);
    }

    public ExplainWorkerConfig withIdentity(String group, String instance) {
        return new ExplainWorkerConfig(bootstrapServers, catalog, modelPath, artifactDir, artifactLimits, policy, methods,
                layer, maxBatch, maxWait, group, instance, imageCacheEntries, imageCacheBytes, imageLookback, imageWait,
                deviceSpec, pointingTolerance, faithfulnessSteps);
    }

    public ExplainWorkerConfig withImageWait(Duration wait) {
        return new ExplainWorkerConfig(bootstrapServers, catalog, modelPath, artifactDir, artifactLimits, policy, methods,
                layer, maxBatch, maxWait, groupId, instanceId, imageCacheEntries, imageCacheBytes, imageLookback, wait,
                deviceSpec, pointingTolerance, faithfulnessSteps);
    }

    public ExplainWorkerConfig withDevice(String device) {
        return new ExplainWorkerConfig(bootstrapServers, catalog, modelPath, artifactDir, artifactLimits, policy, methods,
                layer, maxBatch, maxWait, groupId, instanceId, imageCacheEntries, imageCacheBytes, imageLookback, imageWait,
                device, pointingTolerance, faithfulnessSteps);
    }

    public ExplainWorkerConfig withArtifactLimits(ArtifactStore.Limits limits) {
        return new ExplainWorkerConfig(bootstrapServers, catalog, modelPath, artifactDir, limits, policy, methods,
                layer, maxBatch, maxWait, groupId, instanceId, imageCacheEntries, imageCacheBytes, imageLookback, imageWait,
                deviceSpec, pointingTolerance, faithfulnessSteps);
    }

    private static void require(boolean ok, String key, Object value, String expectation) {
        if (!ok) {
            throw new IllegalArgumentException("invalid configuration " + key + "='" + value + "': expected " + expectation);
        }
    }
}
