package dev.glimpse.trainingservice.lifecycle;

/**
 * Publishes a candidate only if its holdout accuracy beats the current model's by at least {@code minMargin}
 * and no class loses more than {@code maxClassDrop} of accuracy (both measured on the same holdout).
 */
public record PromotionPolicy(double minMargin, double maxClassDrop, long minHoldoutExamples) {

    /**
     * Accuracies are ratios of counts, so a drop exactly at the limit can come out a rounding error above it
     * (0.65 - 0.35 = 0.30000000000000004 > 0.3 refused a candidate in CI); limits are compared with this slack, far
     * below one example in any holdout.
     */
    private static final double SLACK = 1e-9;

    public PromotionPolicy {
        if (!(minMargin >= -1 && minMargin <= 1)) {
            throw new IllegalArgumentException("minMargin must be within [-1, 1], got " + minMargin);
        }
        if (!(maxClassDrop >= 0 && maxClassDrop <= 1)) {
            throw new IllegalArgumentException("maxClassDrop must be within [0, 1], got " + maxClassDrop);
        }
        if (minHoldoutExamples < 1) {
            throw new IllegalArgumentException("minHoldoutExamples must be >= 1, got " + minHoldoutExamples);
        }
    }

    /** The verdict with a reason fit for a log line and a {@code ModelAnnouncement.reason}. */
    public record Decision(boolean publish, String reason) {
    }

    public Decision decide(HoldoutScore current, HoldoutScore candidate) {
        if (current.numClasses() != candidate.numClasses()) {
            return new Decision(false, "class count differs: current " + current.numClasses() + ", candidate "
                    + candidate.numClasses());
        }
        if (current.examples() != candidate.examples()) {
            return new Decision(false, "scores come from different holdouts (" + current.examples() + " vs "
                    + candidate.examples() + " examples)");
        }
        if (candidate.examples() < minHoldoutExamples) {
            return new Decision(false, "holdout too small: " + candidate.examples() + " < " + minHoldoutExamples);
        }
        double gain = candidate.accuracy() - current.accuracy();
        if (gain < minMargin - SLACK) {
            return new Decision(false, String.format("accuracy gain %.4f below margin %.4f (current %.4f, candidate %.4f)",
                    gain, minMargin, current.accuracy(), candidate.accuracy()));
        }
        for (int c = 0; c < current.numClasses(); c++) {
            double drop = current.classAccuracy(c) - candidate.classAccuracy(c);
            if (!Double.isNaN(drop) && drop > maxClassDrop + SLACK) {
                return new Decision(false, String.format("class %d drops by %.4f (%.4f -> %.4f), more than %.4f",
                        c, drop, current.classAccuracy(c), candidate.classAccuracy(c), maxClassDrop));
            }
        }
        return new Decision(true, String.format("accuracy %.4f -> %.4f (gain %.4f >= margin %.4f), no class drops more than %.4f",
                current.accuracy(), candidate.accuracy(), gain, minMargin, maxClassDrop));
    }
}
