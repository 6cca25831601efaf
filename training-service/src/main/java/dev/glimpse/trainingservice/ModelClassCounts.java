package dev.glimpse.trainingservice;

import dev.glimpse.registry.store.StoredModel;
import dev.glimpse.runtime.ExecutionDevice;
import dev.glimpse.runtime.ModelMetadata;
import dev.glimpse.runtime.OrtSessions;
import dev.glimpse.runtime.PlacedSession;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToIntFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How many classes a stored model version outputs (its metadata's labels, else its output shape), read once per
 * version with ONNX Runtime on the CPU and announced with it; 0 when the model cannot be read (the announcement then
 * states no class count, as older ones).
 */
final class ModelClassCounts implements ToIntFunction<StoredModel> {

    private static final Logger LOG = LoggerFactory.getLogger(ModelClassCounts.class);

    private final Map<String, Integer> byVersion = new ConcurrentHashMap<>();

    @Override
    public int applyAsInt(StoredModel model) {
        String key = model.name() + "/" + model.version();
        Integer known = byVersion.get(key);
        if (known != null) {
            return known;
        }
        try (PlacedSession session = OrtSessions.open(model.modelPath(), ExecutionDevice.CPU)) {
            int classes = ModelMetadata.read(session.session()).labels().size();
            byVersion.put(key, classes);
            return classes;
        } catch (Exception e) {
            LOG.warn("cannot read the classes of {}: {}; announced without a class count", key, e.toString());
            return 0; // not remembered: the next announcement of this version tries again
        }
    }
}
