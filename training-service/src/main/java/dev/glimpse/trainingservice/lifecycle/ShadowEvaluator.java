package dev.glimpse.trainingservice.lifecycle;

/**
 * Promotes a shadow candidate once it has answered {@code minLabeled} labeled events also answered by the current
 * model and its accuracy on them is at least the current one's; rejects it otherwise. Thread-safe.
 */
public final class ShadowEvaluator {

    public enum Verdict { PENDING, PROMOTE, REJECT }

    private final long minLabeled;
    private long labeled;
    private long shadowCorrect;
    private long currentCorrect;
    private long agreements;

    public ShadowEvaluator(long minLabeled) {
        if (minLabeled < 1) {
            throw new IllegalArgumentException("minLabeled must be >= 1, got " + minLabeled);
        }
        this.minLabeled = minLabeled;
    }

    /** One labeled event answered by both models. */
    public synchronized void record(int label, int shadowPredicted, int currentPredicted) {
        labeled++;
        if (shadowPredicted == label) {
            shadowCorrect++;
        }
        if (currentPredicted == label) {
            currentCorrect++;
        }
        if (shadowPredicted == currentPredicted) {
            agreements++;
        }
    }

    public synchronized Verdict verdict() {
        if (labeled < minLabeled) {
            return Verdict.PENDING;
        }
        // compare counts, not rounded ratios: both are over the same events
        return shadowCorrect >= currentCorrect ? Verdict.PROMOTE : Verdict.REJECT;
    }

    public synchronized long labeled() {
        return labeled;
    }

    public synchronized double shadowAccuracy() {
        return labeled == 0 ? Double.NaN : (double) shadowCorrect / labeled;
    }

    public synchronized double currentAccuracy() {
        return labeled == 0 ? Double.NaN : (double) currentCorrect / labeled;
    }

    /** Fraction of events where both models gave the same top-1 class. */
    public synchronized double agreement() {
        return labeled == 0 ? Double.NaN : (double) agreements / labeled;
    }
}
