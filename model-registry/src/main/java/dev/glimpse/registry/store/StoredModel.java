package dev.glimpse.registry.store;

import java.nio.file.Path;

/** A version in the store: its manifest and where its {@code model.onnx} lives. */
public record StoredModel(ModelManifest manifest, Path modelPath) {
    public String name() {
        return manifest.name();
    }

    public String version() {
        return manifest.version();
    }
}
