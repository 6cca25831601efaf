package dev.glimpse.monitoring;

import dev.glimpse.contracts.events.ClassScore;
import dev.glimpse.contracts.events.Prediction;

/** Builds Prediction events for tests. */
final class Predictions {

    private Predictions() {
    }

    static Prediction of(String imageId, String version, int predicted, double confidence, float[] embedding, int label) {
        Prediction.Builder b = Prediction.newBuilder()
                .setImageId(imageId)
                .setModelName("fashion")
                .setModelVersion(version)
                .setLabel(label)
                .addTopK(ClassScore.newBuilder().setClassIndex(predicted).setProbability((float) confidence))
                .addTopK(ClassScore.newBuilder().setClassIndex((predicted + 1) % 10).setProbability((float) (1 - confidence) / 2));
        for (float v : embedding) {
            b.addEmbedding(v);
        }
        return b.build();
    }
}
