package dev.glimpse.inference;

import ai.onnxruntime.OrtException;
import java.util.List;

/**
 * The classifier one batch runs on, with the name and version it answers as: the {@code models} announcement's name
 * and version after a hot swap (what the explain worker and the monitoring look the version up by), the model file's
 * metadata before. Used by the batch thread only; {@link #rebuild()} replaces
 * the session in place after an execution-provider failure without changing the version.
 */
final class ServingModel implements BatchScorer.Session, AutoCloseable {
    private Classifier classifier;
    private final String name;
    private final String version;

    ServingModel(Classifier classifier, String name, String version) {
        this.classifier = classifier;
        this.name = name;
        this.version = version;
    }

    String name() {
        return name;
    }

    Classifier classifier() {
        return classifier;
    }

    String version() {
        return version;
    }

    @Override
    public List<Classifier.Scored> classify(List<float[]> inputs) throws OrtException {
        return classifier.classify(inputs);
    }

    @Override
    public void rebuild() throws OrtException {
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
        return classifier + " as " + name + " " + version;
    }
}
