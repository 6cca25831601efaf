package dev.glimpse.monitoring;

import dev.glimpse.monitoring.internal.WindowSample;
import java.util.Optional;

/**
 * Finds reference statistics recorded with a model version (its training data's statistics). When it finds
 * none, the monitoring topology takes the first windows after the version is first seen as the reference.
 */
@FunctionalInterface
public interface ReferenceLookup {

    ReferenceLookup NONE = (modelName, modelVersion) -> Optional.empty();

    Optional<WindowSample> find(String modelName, String modelVersion);
}
