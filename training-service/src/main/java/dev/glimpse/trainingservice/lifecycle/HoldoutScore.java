package dev.glimpse.trainingservice.lifecycle;

import java.util.Arrays;

/**
 * Accuracy of one model on one holdout set: overall and per class.
 *
 * @param correctPerClass correct predictions among the holdout examples of each class
 * @param countPerClass   holdout examples of each class
 */
public record HoldoutScore(long[] correctPerClass, long[] countPerClass) {

    public HoldoutScore {
        if (correctPerClass.length != countPerClass.length) {
            throw new IllegalArgumentException("per-class arrays differ in length: " + correctPerClass.length
                    + " vs " + countPerClass.length);
        }
        for (int c = 0; c < countPerClass.length; c++) {
            if (correctPerClass[c] < 0 || correctPerClass[c] > countPerClass[c]) {
                throw new IllegalArgumentException("class " + c + ": correct " + correctPerClass[c]
                        + " not within [0, " + countPerClass[c] + "]");
            }
        }
        correctPerClass = correctPerClass.clone();
        countPerClass = countPerClass.clone();
    }

    /** Scores predictions against labels; classes are 0..numClasses-1. */
    public static HoldoutScore of(int[] labels, int[] predicted, int numClasses) {
        if (labels.length != predicted.length) {
            throw new IllegalArgumentException(labels.length + " labels but " + predicted.length + " predictions");
        }
        long[] correct = new long[numClasses];
        long[] count = new long[numClasses];
        for (int i = 0; i < labels.length; i++) {
            count[labels[i]]++;
            if (labels[i] == predicted[i]) {
                correct[labels[i]]++;
            }
        }
        return new HoldoutScore(correct, count);
    }

    public int numClasses() {
        return countPerClass.length;
    }

    public long examples() {
        return Arrays.stream(countPerClass).sum();
    }

    public double accuracy() {
        long n = examples();
        return n == 0 ? 0.0 : (double) Arrays.stream(correctPerClass).sum() / n;
    }

    /** Accuracy on class {@code c}, or NaN when the holdout has no example of it. */
    public double classAccuracy(int c) {
        return countPerClass[c] == 0 ? Double.NaN : (double) correctPerClass[c] / countPerClass[c];
    }

    @Override
    public String toString() {
        return String.format("accuracy %.4f on %d examples", accuracy(), examples());
    }
}
