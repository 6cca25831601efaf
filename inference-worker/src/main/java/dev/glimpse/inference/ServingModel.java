package dev.glimpse.inference;

import ai.onnxruntime.OrtException;

/**
 * The classifier one batch runs on, with the version it answers as: the {@code models} announcement's version after a
 * hot swap, the model file's metadata version before. Used by the batch thread only; {@link #rebuild()} replaces
 * the session in place after an execution-provider failure without changing the version.
 */
final class ServingModel implements AutoCloseable {
    private Classifier classifier;
    private final String version;

    ServingModel(Classifier classifier, String version) {
        this.classifier = classifier;
        this.version = version;
    }

    Classifier classifier() {
        return classifier;
    }

    String version() {
        return version;
    }

    void rebuild() throws OrtException {
        Classifier old = classifier;
        classifier = old.rebuild();
        old.close();
    }

    @Override
    public void close() {
        classifier.close();
    }

    @Override
    public String toString() {
        return classifier + " as " + version;
    }
}
