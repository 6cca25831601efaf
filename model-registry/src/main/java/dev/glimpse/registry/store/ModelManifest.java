package dev.glimpse.registry.store;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.Map;
import java.util.TreeMap;

/**
 * The {@code model.json} next to each stored {@code model.onnx}: identity, integrity (sha256), lifecycle state,
 * metrics and lineage (parent version, data offsets consumed, hyperparameters).
 *
 * @param dataOffsets topic-partition to the offset range of training data used, e.g. {@code training-examples-0 -> 0-1234}
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ModelManifest(
        String name,
        String version,
        String sha256,
        long sizeBytes,
        ModelState state,
        long createdAtMs,
        String parentVersion,
        Map<String, Double> metrics,
        Map<String, String> hyperparameters,
        Map<String, String> dataOffsets,
        String reason) {

    public ModelManifest {
        metrics = metrics == null ? Map.of() : new TreeMap<>(metrics);
        hyperparameters = hyperparameters == null ? Map.of() : new TreeMap<>(hyperparameters);
        dataOffsets = dataOffsets == null ? Map.of() : new TreeMap<>(dataOffsets);
        parentVersion = parentVersion == null ? "" : parentVersion;
        reason = reason == null ? "" : reason;
    }

    /** Lineage and metrics of a model about to be stored; name, version, sha256 and size are filled in by the store. */
    public static ModelManifest draft(ModelState state, String parentVersion, Map<String, Double> metrics,
                                      Map<String, String> hyperparameters, Map<String, String> dataOffsets) {
        return new ModelManifest(null, null, null, 0, state, 0, parentVersion, metrics, hyperparameters, dataOffsets, "");
    }

    public ModelManifest withState(ModelState newState, String newReason) {
        return new ModelManifest(name, version, sha256, sizeBytes, newState, createdAtMs, parentVersion, metrics,
                hyperparameters, dataOffsets, newReason);
    }

    ModelManifest stored(String storedName, String storedVersion, String storedSha, long size, long createdAt) {
        return new ModelManifest(storedName, storedVersion, storedSha, size, state, createdAt, parentVersion, metrics,
                hyperparameters, dataOffsets, reason);
    }
}
