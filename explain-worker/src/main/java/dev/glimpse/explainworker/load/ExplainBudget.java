package dev.glimpse.explainworker.load;

import java.util.List;

/**
 * Keeps the selected rate at or below what the worker can explain: the measured capacity (predictions per second,
 * from {@link MethodCosts}) times a utilisation, of which the priority selections (low confidence, disagreement)
 * take their share first and random sampling gets what is left. The sample rate in force is
 * {@code min(configured, (utilisation x capacity - priority rate) / arrival rate)}, never below 0; while the
 * capacity is not yet measured it is the configured rate.
 *
 * <p>Sampling stays a hash of the image id ({@code SampleRate.unit}) compared with the rate in force, so that the
 * same image is chosen on every replica at the same rate.
 */
public final class ExplainBudget {

    private final List<String> methods;
    private final double utilisation;
    private final MethodCosts costs;
    private final RateMeter arrivals;
    private final RateMeter priority;
    private double secondsPerPrediction = Double.NaN;

    public ExplainBudget(List<String> methods, double utilisation, MethodCosts costs, RateMeter arrivals, RateMeter priority) {
        if (!(utilisation > 0 && utilisation <= 1)) {
            throw new IllegalArgumentException("utilisation must be in (0, 1], got " + utilisation);
        }
        this.methods = List.copyOf(methods);
        this.utilisation = utilisation;
        this.costs = costs;
        this.arrivals = arrivals;
        this.priority = priority;
    }

    public static ExplainBudget of(List<String> methods, double utilisation) {
        return new ExplainBudget(methods, utilisation, new MethodCosts(0.2), RateMeter.perSecond(), RateMeter.perSecond());
    }

    public MethodCosts costs() {
        return costs;
    }

    /** A prediction was read (selected or not). */
    public void arrived() {
        arrivals.add(1);
    }

    /** A prediction was selected by a priority term (anything but random sampling). */
    public void prioritySelected() {
        priority.add(1);
    }

    /**
     * One transaction explained {@code selected} predictions in {@code seconds} of wall time (engine calls plus what
     * surrounds them: image waits, sends, the commit), which the capacity is measured from.
     */
    public synchronized void batch(int selected, double seconds) {
        if (selected <= 0 || !(seconds >= 0)) {
            return;
        }
        double perPrediction = seconds / selected;
        secondsPerPrediction = Double.isNaN(secondsPerPrediction) ? perPrediction
                : secondsPerPrediction + 0.2 * (perPrediction - secondsPerPrediction);
    }

    /**
     * Predictions per second the worker can explain: the inverse of a transaction's wall time per selected
     * prediction, or of the methods' engine costs when larger; +Inf while unmeasured.
     */
    public synchronized double capacityPerSecond() {
        double engine = costs.secondsPerPrediction(methods);
        double s = Double.isNaN(secondsPerPrediction) ? engine
                : Double.isNaN(engine) ? secondsPerPrediction : Math.max(engine, secondsPerPrediction);
        return Double.isNaN(s) || s <= 0 ? Double.POSITIVE_INFINITY : 1 / s;
    }

    /** The sample rate in force, given the configured one. */
    public double sampleRate(double configured) {
        double capacity = capacityPerSecond();
        double arrival = arrivals.rate();
        if (Double.isInfinite(capacity) || arrival <= 0) {
            return configured;
        }
        double room = utilisation * capacity - priority.rate();
        return Math.max(0, Math.min(configured, room / arrival));
    }

    /** Whether a prediction whose sample draw is {@code unit} (in [0, 1)) stays sampled under the budget. */
    public boolean admitSample(double unit, double configured) {
        return unit < sampleRate(configured);
    }
}
