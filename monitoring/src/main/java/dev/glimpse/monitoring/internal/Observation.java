package dev.glimpse.monitoring.internal;

import dev.glimpse.contracts.events.ClassScore;
import dev.glimpse.contracts.events.Prediction;
import dev.glimpse.monitoring.drift.ImageStatistics;

/**
 * One fact about a model version that a monitoring window aggregates: a prediction (class, top-1 confidence,
 * embedding; and its true class when the prediction carried it), a late label joined to a prediction (an
 * outcome only), or the brightness/contrast of an input that a prediction was made on.
 */
public record Observation(Kind kind, String modelName, String modelVersion, int predictedClass, double confidence,
                          float[] embedding, int trueClass, double brightness, double contrast) {

    public enum Kind { PREDICTION, OUTCOME, INPUT }

    public static final int UNKNOWN = -1;

    public static Observation prediction(Prediction p) {
        ClassScore top = top1(p);
        float[] e = new float[p.getEmbeddingCount()];
        for (int i = 0; i < e.length; i++) {
            e[i] = p.getEmbedding(i);
        }
        int label = p.getLabel() >= 0 ? p.getLabel() : UNKNOWN;
        return new Observation(Kind.PREDICTION, p.getModelName(), p.getModelVersion(),
                top == null ? UNKNOWN : top.getClassIndex(), top == null ? Double.NaN : top.getProbability(),
                e, label, Double.NaN, Double.NaN);
    }

    public static Observation outcome(Prediction p, int trueClass) {
        ClassScore top = top1(p);
        return new Observation(Kind.OUTCOME, p.getModelName(), p.getModelVersion(),
                top == null ? UNKNOWN : top.getClassIndex(), Double.NaN, new float[0], trueClass, Double.NaN, Double.NaN);
    }

    public static Observation input(Prediction p, ImageStatistics stats) {
        return new Observation(Kind.INPUT, p.getModelName(), p.getModelVersion(), UNKNOWN, Double.NaN, new float[0],
                UNKNOWN, stats.brightness(), stats.contrast());
    }

    /** The key that groups observations: one model version of one model. */
    public String versionKey() {
        return versionKey(modelName, modelVersion);
    }

    public static String versionKey(String modelName, String modelVersion) {
        return modelName + "@" + modelVersion;
    }

    /** The top-1 class: the score with the highest probability (top_k is normally sorted, but not relied on). */
    static ClassScore top1(Prediction p) {
        ClassScore best = null;
        for (ClassScore s : p.getTopKList()) {
            if (best == null || s.getProbability() > best.getProbability()) {
                best = s;
            }
        }
        return best;
    }
}
