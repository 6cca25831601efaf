package dev.glimpse.monitoring.internal;

import java.util.Arrays;

/**
 * What one window (or the reference) knows about one model version: exact counts (predicted classes, labeled
 * outcomes per true class) and bounded seeded reservoirs of confidences, embeddings and input statistics.
 * Mutable: it is the aggregate of a Kafka Streams windowed aggregation and is serialised by {@link Serdes}.
 */
public final class WindowSample {

    long predictions;
    long[] classCounts = new long[0];
    long[] labeledPerClass = new long[0];
    long[] correctPerClass = new long[0];
    final Reservoir confidences;
    final Reservoir brightness;
    final Reservoir contrast;
    final EmbeddingReservoir embeddings;

    public WindowSample(int sampleSize, int embeddingSampleSize, long seed) {
        this.confidences = new Reservoir(sampleSize, seed);
        this.brightness = new Reservoir(sampleSize, seed + 1);
        this.contrast = new Reservoir(sampleSize, seed + 1);
        this.embeddings = new EmbeddingReservoir(embeddingSampleSize, seed + 2);
    }

    WindowSample(long predictions, long[] classCounts, long[] labeledPerClass, long[] correctPerClass,
                 Reservoir confidences, Reservoir brightness, Reservoir contrast, EmbeddingReservoir embeddings) {
        this.predictions = predictions;
        this.classCounts = classCounts;
        this.labeledPerClass = labeledPerClass;
        this.correctPerClass = correctPerClass;
        this.confidences = confidences;
        this.brightness = brightness;
        this.contrast = contrast;
        this.embeddings = embeddings;
    }

    public WindowSample add(Observation o) {
        switch (o.kind()) {
            case PREDICTION -> {
                predictions++;
                if (o.predictedClass() >= 0) {
                    classCounts = grow(classCounts, o.predictedClass());
                    classCounts[o.predictedClass()]++;
                }
                if (!Double.isNaN(o.confidence())) {
                    confidences.offer(o.confidence());
                }
                if (o.embedding().length > 0) {
                    embeddings.offer(o.embedding());
                }
                if (o.trueClass() >= 0) {
                    addOutcome(o.predictedClass(), o.trueClass());
                }
            }
            case OUTCOME -> addOutcome(o.predictedClass(), o.trueClass());
            case INPUT -> {
                brightness.offer(o.brightness());
                // Same seed and same offer order as brightness: the two reservoirs keep the same images.
                contrast.offer(o.contrast());
            }
        }
        return this;
    }

    private void addOutcome(int predicted, int truth) {
        if (truth < 0) {
            return;
        }
        labeledPerClass = grow(labeledPerClass, truth);
        correctPerClass = grow(correctPerClass, truth);
        labeledPerClass[truth]++;
        if (predicted == truth) {
            correctPerClass[truth]++;
        }
    }

    /** Adds everything of {@code other} into this sample (reservoirs keep a seeded uniform subsample). */
    public WindowSample merge(WindowSample other) {
        predictions += other.predictions;
        classCounts = addCounts(classCounts, other.classCounts);
        labeledPerClass = addCounts(labeledPerClass, other.labeledPerClass);
        correctPerClass = addCounts(correctPerClass, other.correctPerClass);
        confidences.mergeFrom(other.confidences);
        brightness.mergeFrom(other.brightness);
        contrast.mergeFrom(other.contrast);
        embeddings.mergeFrom(other.embeddings);
        return this;
    }

    /** Adds only the embeddings of {@code other} (a reference whose other statistics came with the model). */
    public WindowSample mergeEmbeddings(WindowSample other) {
        embeddings.mergeFrom(other.embeddings);
        return this;
    }

    public boolean hasEmbeddings() {
        return !embeddings.rows.isEmpty();
    }

    /** A sample assembled from summary statistics (a reference recorded with a model). */
    public static Builder builder(int sampleSize, int embeddingSampleSize, long seed) {
        return new Builder(new WindowSample(sampleSize, embeddingSampleSize, seed));
    }

    /** Builds a sample from counts and values rather than from observations. */
    public static final class Builder {
        private final WindowSample s;

        private Builder(WindowSample s) {
            this.s = s;
        }

        public Builder predictions(long n) {
            s.predictions = n;
            return this;
        }

        public Builder classCounts(long[] counts) {
            s.classCounts = counts.clone();
            return this;
        }

        /** n labeled outcomes with the given accuracy (recorded as one aggregate class 0; per-class is unknown). */
        public Builder accuracy(long n, double accuracy) {
            s.labeledPerClass = new long[] {n};
            s.correctPerClass = new long[] {Math.round(accuracy * n)};
            return this;
        }

        public Builder confidences(double[] values) {
            for (double v : values) {
                s.confidences.offer(v);
            }
            return this;
        }

        public Builder inputs(double[] brightness, double[] contrast) {
            for (double v : brightness) {
                s.brightness.offer(v);
            }
            for (double v : contrast) {
                s.contrast.offer(v);
            }
            return this;
        }

        public WindowSample build() {
            return s;
        }
    }

    public long predictions() {
        return predictions;
    }

    public long[] classCounts() {
        return classCounts.clone();
    }

    public long labeled() {
        return Arrays.stream(labeledPerClass).sum();
    }

    public long correct() {
        return Arrays.stream(correctPerClass).sum();
    }

    public long[] labeledPerClass() {
        return labeledPerClass.clone();
    }

    public long[] correctPerClass() {
        return correctPerClass.clone();
    }

    /** Fraction of labeled outcomes predicted right; NaN when none is labeled. */
    public double accuracy() {
        long n = labeled();
        return n == 0 ? Double.NaN : (double) correct() / n;
    }

    public double[] confidences() {
        return confidences.values();
    }

    public double[] brightness() {
        return brightness.values();
    }

    public double[] contrast() {
        return contrast.values();
    }

    public double[][] embeddings() {
        return embeddings.values();
    }

    private static long[] grow(long[] a, int index) {
        return index < a.length ? a : Arrays.copyOf(a, index + 1);
    }

    private static long[] addCounts(long[] a, long[] b) {
        long[] out = Arrays.copyOf(a, Math.max(a.length, b.length));
        for (int i = 0; i < b.length; i++) {
            out[i] += b[i];
        }
        return out;
    }
}
