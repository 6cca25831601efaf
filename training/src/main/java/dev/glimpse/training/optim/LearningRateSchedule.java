package dev.glimpse.training.optim;

import java.util.function.LongToDoubleFunction;

/**
 * The learning rate as a function of the step (0-based): constant, step decay, or cosine annealing, each with
 * an optional linear warm-up from 0 over the first {@code warmupSteps} steps.
 */
public interface LearningRateSchedule {

    double rate(long step);

    String describe();

    static LearningRateSchedule constant(double base) {
        return of("constant(" + base + ")", step -> base);
    }

    /** Multiplies by {@code gamma} every {@code every} steps. */
    static LearningRateSchedule stepDecay(double base, long every, double gamma) {
        if (every <= 0) {
            throw new IllegalArgumentException("step schedule period must be > 0, got " + every);
        }
        return of("step(" + base + ", every=" + every + ", gamma=" + gamma + ")",
                step -> base * Math.pow(gamma, step / every));
    }

    /** Cosine annealing from {@code base} at step 0 to {@code min} at {@code total}. */
    static LearningRateSchedule cosine(double base, long total, double min) {
        if (total <= 0) {
            throw new IllegalArgumentException("cosine schedule length must be > 0, got " + total);
        }
        return of("cosine(" + base + "->" + min + " over " + total + ")", step -> {
            double t = Math.min(step, total) / (double) total;
            return min + (base - min) * 0.5 * (1 + Math.cos(Math.PI * t));
        });
    }

    /** Linear warm-up: step s < warmup gets inner(s) * (s+1)/warmup; afterwards inner(s - warmup). */
    static LearningRateSchedule warmup(LearningRateSchedule inner, long warmupSteps) {
        if (warmupSteps <= 0) {
            return inner;
        }
        return of("warmup(" + warmupSteps + ")+" + inner.describe(), step -> step < warmupSteps
                ? inner.rate(0) * (step + 1) / warmupSteps
                : inner.rate(step - warmupSteps));
    }

    /**
     * Parses a command-line schedule name: {@code constant}, {@code cosine}, {@code step} (x0.1 at 50% and 75%
     * of training, approximated as x0.1 every third of it) or {@code step:EVERY_STEPS:GAMMA}.
     */
    static LearningRateSchedule parse(String spec, double base, long totalSteps, long warmupSteps) {
        long afterWarmup = Math.max(1, totalSteps - warmupSteps);
        LearningRateSchedule inner;
        if (spec.equals("constant")) {
            inner = constant(base);
        } else if (spec.equals("cosine")) {
            inner = cosine(base, afterWarmup, 0);
        } else if (spec.equals("step")) {
            inner = stepDecay(base, Math.max(1, afterWarmup / 3), 0.1);
        } else if (spec.startsWith("step:")) {
            String[] p = spec.split(":");
            try {
                inner = stepDecay(base, Long.parseLong(p[1]), Double.parseDouble(p[2]));
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("bad --schedule '" + spec + "'; expected step:EVERY_STEPS:GAMMA", e);
            }
        } else {
            throw new IllegalArgumentException("unknown --schedule '" + spec + "'; known: constant, step, step:N:G, cosine");
        }
        return warmup(inner, warmupSteps);
    }

    private static LearningRateSchedule of(String description, LongToDoubleFunction f) {
        return new LearningRateSchedule() {
            @Override
            public double rate(long step) {
                return f.applyAsDouble(step);
            }

            @Override
            public String describe() {
                return description;
            }
        };
    }
}
