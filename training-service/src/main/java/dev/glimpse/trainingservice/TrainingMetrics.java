package dev.glimpse.trainingservice;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The training service's Prometheus series: {@code glimpse_training_runs_total{outcome}},
 * {@code glimpse_training_duration_seconds}, {@code glimpse_training_examples_per_second},
 * {@code glimpse_holdout_accuracy{version}}, {@code glimpse_lifecycle_live_accuracy{version}} (what the rollback guard sees; the monitoring service owns glimpse_live_accuracy),
 * {@code glimpse_shadow_accuracy{version}}, {@code glimpse_shadow_agreement{version}},
 * {@code glimpse_model_transitions_total{state}} (promotions, rejections, rollbacks).
 */
public final class TrainingMetrics {
    private final MeterRegistry registry;
    private final Timer duration;
    private final Value examplesPerSecond = new Value(0);
    private final Map<String, Value> gauges = new ConcurrentHashMap<>();

    /** A gauge's value; gauges hold it weakly, this class strongly. */
    private static final class Value {
        private volatile double v;

        Value(double v) {
            this.v = v;
        }

        double get() {
            return v;
        }

        void set(double value) {
            v = value;
        }
    }

    public TrainingMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.duration = Timer.builder("glimpse.training.duration").description("wall time of a training run")
                .register(registry);
        registry.gauge("glimpse.training.examples.per.second", examplesPerSecond, Value::get);
    }

    public MeterRegistry registry() {
        return registry;
    }

    public void run(String outcome, Duration took, double exPerSecond) {
        registry.counter("glimpse.training.runs", "outcome", outcome).increment();
        duration.record(took);
        if (exPerSecond > 0) {
            examplesPerSecond.set(exPerSecond);
        }
    }

    public void transition(String state) {
        registry.counter("glimpse.model.transitions", "state", state).increment();
    }

    public void holdoutAccuracy(String version, double accuracy) {
        gauge("glimpse.holdout.accuracy", version).set(accuracy);
    }

    public void liveAccuracy(String version, double accuracy) {
        gauge("glimpse.lifecycle.live.accuracy", version).set(accuracy);
    }

    public void shadow(String version, double accuracy, double agreement) {
        gauge("glimpse.shadow.accuracy", version).set(accuracy);
        gauge("glimpse.shadow.agreement", version).set(agreement);
    }

    private Value gauge(String name, String version) {
        return gauges.computeIfAbsent(name + "|" + version, k -> {
            Value v = new Value(Double.NaN);
            registry.gauge(name, Tags.of("version", version), v, Value::get);
            return v;
        });
    }
}
