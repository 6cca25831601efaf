package dev.glimpse.monitoring;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.glimpse.monitoring.internal.WindowSample;
import dev.glimpse.registry.store.ModelStoreLayout;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds reference statistics in the model store: the {@code reference.*} entries of the {@code metrics} object of
 * {@code <root>/<name>/<version>/model.json} (format: {@link ReferenceStatistics}).
 */
public final class ModelStoreReferenceLookup implements ReferenceLookup {

    private static final Logger LOG = LoggerFactory.getLogger(ModelStoreReferenceLookup.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ModelStoreLayout layout;
    private final MonitoringConfig config;

    public ModelStoreReferenceLookup(Path root, MonitoringConfig config) {
        this.layout = new ModelStoreLayout(root);
        this.config = config;
    }

    @Override
    public Optional<WindowSample> find(String modelName, String modelVersion) {
        // Model name/version come from events: the layout never resolves them outside the store.
        Optional<Path> found = layout.existingManifest(modelName, modelVersion);
        if (found.isEmpty()) {
            return Optional.empty();
        }
        Path manifest = found.get();
        try {
            JsonNode metrics = JSON.readTree(manifest.toFile()).path("metrics");
            Map<String, Double> values = new HashMap<>();
            metrics.fields().forEachRemaining(e -> {
                if (e.getKey().startsWith(ReferenceStatistics.PREFIX) && e.getValue().isNumber()) {
                    values.put(e.getKey(), e.getValue().asDouble());
                }
            });
            Optional<WindowSample> reference = ReferenceStatistics.fromMetrics(values, config);
            reference.ifPresent(r -> LOG.info("monitoring: reference of {}@{} from {}", modelName, modelVersion, manifest));
            return reference;
        } catch (IOException | RuntimeException e) {
            LOG.warn("monitoring: cannot read reference statistics from {}: {}; using the first windows instead",
                    manifest, e.getMessage());
            return Optional.empty();
        }
    }
}
