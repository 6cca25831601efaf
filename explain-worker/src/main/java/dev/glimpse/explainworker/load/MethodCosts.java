package dev.glimpse.explainworker.load;

import java.util.Collection;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What one prediction costs per method: the wall time of the engine's micro-batch calls divided by their size,
 * averaged with an exponential weight (each call weighs {@code weight}). A prediction selected for methods
 * {@code M} costs the sum over {@code M}; the worker's capacity is the inverse of that.
 */
public final class MethodCosts {

    private final double weight;
    private final Map<String, Double> secondsPerItem = new ConcurrentHashMap<>();

    public MethodCosts(double weight) {
        if (!(weight > 0 && weight <= 1)) {
            throw new IllegalArgumentException("weight must be in (0, 1], got " + weight);
        }
        this.weight = weight;
    }

    /** One engine call: {@code items} items of {@code method} took {@code seconds} of wall time. */
    public void record(String method, int items, double seconds) {
        if (items <= 0 || !(seconds >= 0)) {
            return;
        }
        double perItem = seconds / items;
        secondsPerItem.merge(method, perItem, (old, now) -> old + weight * (now - old));
    }

    /** Seconds per item of one method; NaN when never measured. */
    public double secondsPerItem(String method) {
        return secondsPerItem.getOrDefault(method, Double.NaN);
    }

    /** Seconds to explain one prediction with every method of {@code methods}; NaN while one is unmeasured. */
    public double secondsPerPrediction(Collection<String> methods) {
        double sum = 0;
        for (String m : methods) {
            double s = secondsPerItem(m);
            if (Double.isNaN(s)) {
                return Double.NaN;
            }
            sum += s;
        }
        return sum;
    }

    public Map<String, Double> snapshot() {
        return new TreeMap<>(secondsPerItem);
    }
}
