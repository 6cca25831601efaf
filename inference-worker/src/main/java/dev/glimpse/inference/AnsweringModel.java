package dev.glimpse.inference;

import dev.glimpse.runtime.ModelMetadata;

/** The model a prediction names: its metadata (class labels), the name and version it answers as, and the device. */
record AnsweringModel(ModelMetadata metadata, String name, String version, String device) {
}
