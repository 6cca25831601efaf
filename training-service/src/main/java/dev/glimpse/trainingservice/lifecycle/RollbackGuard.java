package dev.glimpse.trainingservice.lifecycle;

/**
 * Rolls back a newly promoted version when, after {@code minLabeled} labeled live events, its accuracy is below
 * the previous version's live accuracy by more than {@code threshold}. Thread-safe.
 */
public final class RollbackGuard {

    public enum Verdict { PENDING, KEEP, ROLL_BACK }

    private final double previousAccuracy;
    private final double threshold;
    private final long minLabeled;
    private long labeled;
    private long correct;

    /**
     * @param previousAccuracy live labeled accuracy of the version that served before the promotion
     */
    public RollbackGuard(double previousAccuracy, double threshold, long minLabeled) {
        if (!(previousAccuracy >= 0 && previousAccuracy <= 1)) {
            throw new IllegalArgumentException("previousAccuracy must be within [0, 1], got " + previousAccuracy);
        }
        if (!(threshold >= 0 && threshold <= 1)) {
            throw new IllegalArgumentException("threshold must be within [0, 1], got " + threshold);
        }
        if (minLabeled < 1) {
            throw new IllegalArgumentException("minLabeled must be >= 1, got " + minLabeled);
        }
        this.previousAccuracy = previousAccuracy;
        this.threshold = threshold;
        this.minLabeled = minLabeled;
    }

    /** One labeled event answered by the newly promoted version. */
    public synchronized void record(boolean wasCorrect) {
        labeled++;
        if (wasCorrect) {
            correct++;
        }
    }

    public synchronized Verdict verdict() {
        if (labeled < minLabeled) {
            return Verdict.PENDING;
        }
        return accuracy() < previousAccuracy - threshold ? Verdict.ROLL_BACK : Verdict.KEEP;
    }

    public synchronized double accuracy() {
        return labeled == 0 ? Double.NaN : (double) correct / labeled;
    }

    public synchronized long labeled() {
        return labeled;
    }

    public double previousAccuracy() {
        return previousAccuracy;
    }
}
