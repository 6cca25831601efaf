package dev.glimpse.monitoring;

import dev.glimpse.contracts.events.ClassScore;
import dev.glimpse.contracts.events.Prediction;
import dev.glimpse.inference.Classifier;
import dev.glimpse.runtime.ExecutionDevice;
import dev.glimpse.runtime.SessionTuning;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The demo's Fashion-MNIST classifier (models/fashion-mnist/model.onnx) run through the inference worker's own
 * {@link Classifier}: same preprocessing from the model metadata, same penultimate-layer embedding output.
 */
final class OnnxFashionModel implements AutoCloseable {

    static final Path MODEL = Path.of("").toAbsolutePath().getParent().resolve("models/fashion-mnist/model.onnx");

    private final Classifier classifier;

    OnnxFashionModel() throws Exception {
        this.classifier = Classifier.load(MODEL, ExecutionDevice.CPU, SessionTuning.defaults());
        if (classifier.embeddingName().isEmpty()) {
            classifier.close();
            throw new IllegalStateException(MODEL + " exposes no embedding");
        }
    }

    /** Predictions (top-1, embedding) of 28x28 gray images, classified in batches like the worker does. */
    Prediction[] predict(byte[][] images, int[] labels, String version) throws Exception {
        Prediction[] out = new Prediction[images.length];
        for (int from = 0; from < images.length; from += 64) {
            int to = Math.min(images.length, from + 64);
            List<float[]> batch = new ArrayList<>();
            for (int i = from; i < to; i++) {
                batch.add(classifier.preprocessor().fromPixels(images[i], 28, 28, 1));
            }
            List<Classifier.Scored> scored = classifier.classify(batch);
            for (int i = from; i < to; i++) {
                Classifier.Scored s = scored.get(i - from);
                int best = 0;
                for (int c = 1; c < s.probabilities().length; c++) {
                    if (s.probabilities()[c] > s.probabilities()[best]) {
                        best = c;
                    }
                }
                Prediction.Builder b = Prediction.newBuilder().setModelName("fashion").setModelVersion(version)
                        .setLabel(labels[i])
                        .addTopK(ClassScore.newBuilder().setClassIndex(best).setProbability(s.probabilities()[best])
                                .setLogit(s.logits()[best]));
                for (float v : s.embedding()) {
                    b.addEmbedding(v);
                }
                out[i] = b.build();
            }
        }
        return out;
    }

    @Override
    public void close() {
        classifier.close();
    }
}
