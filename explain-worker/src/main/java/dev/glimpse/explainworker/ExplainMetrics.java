package dev.glimpse.explainworker;

import dev.glimpse.platform.kafka.ImageCache;
import dev.glimpse.contracts.events.Artifact;
import dev.glimpse.contracts.events.Explanation;
import dev.glimpse.contracts.events.FaithfulnessScores;
import dev.glimpse.platform.kafka.DeadLetterPublisher;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;
import dev.glimpse.explainworker.load.ExplainBudget;
import dev.glimpse.explainworker.load.RecentRate;

/**
 * The worker's Prometheus series (all prefixed {@code glimpse_}): explanations by method, their duration,
 * faithfulness distributions, pointing-game hits and hit rate, failures by reason, backlog; plus the running
 * totals behind {@link ExplainSummary}. Only committed explanations are recorded.
 */
public final class ExplainMetrics {

    /** The {@code stage} of the explain worker's dead letters, on the wire and in metrics. */
    public static final String STAGE = "explain";

    /**
     * Faithfulness scores (0..1) are exported in percent with integer bucket bounds: Micrometer rounds a recorded
     * value up to an integer before choosing its bucket, so 0..1 values all landed in the 1.0 bucket.
     */
    public static final String FAITHFULNESS = "glimpse.explanation.faithfulness.percent";
    private static final double[] PERCENT_BUCKETS = {5, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100};

    private final MeterRegistry registry;
    private final Map<String, PerMethod> perMethod = new ConcurrentHashMap<>();
    private final AtomicLong explanations = new AtomicLong();
    private final AtomicLong selected = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private final Map<String, AtomicLong> skipped = new ConcurrentHashMap<>();
    private final Map<Integer, AtomicLong> partitionLag = new ConcurrentHashMap<>();
    /**
     * 30 s rather than the budget's 10 s: on a loaded machine one transaction (a batch of 8 with three methods) can take
     * over 10 s, and the status line would say 0.0/s between two commits while the worker is explaining.
     */
    private final RecentRate explanationRate = new RecentRate(System::nanoTime, 1.0, 30);

    private final class PerMethod {
        final Counter count;
        final Timer duration;
        final DistributionSummary deletion;
        final DistributionSummary drop;
        final Counter hits;
        final Counter misses;
        final AtomicLong n = new AtomicLong();
        final AtomicLong pointingHits = new AtomicLong();
        final AtomicLong pointingTotal = new AtomicLong();
        final AtomicLong scored = new AtomicLong();
        double deletionSum;
        double dropSum;

        PerMethod(String method) {
            count = Counter.builder("glimpse.explanations").description("explanations published").tag("method", method).register(registry);
            duration = Timer.builder("glimpse.explanation.duration").description("time to compute, render and store one explanation")
                    .tag("method", method).publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1))
                    .maximumExpectedValue(Duration.ofSeconds(30)).register(registry);
            deletion = faithfulness(method, "deletion_auc");
            drop = faithfulness(method, "average_drop");
            hits = Counter.builder("glimpse.pointing.game").description("pointing-game outcomes on images with a mask")
                    .tags("method", method, "result", "hit").register(registry);
            misses = Counter.builder("glimpse.pointing.game").description("pointing-game outcomes on images with a mask")
                    .tags("method", method, "result", "miss").register(registry);
            Gauge.builder("glimpse.pointing.game.hit.rate", this, p -> p.pointingTotal.get() == 0 ? Double.NaN
                            : p.pointingHits.get() / (double) p.pointingTotal.get())
                    .description("fraction of pointing-game hits").tag("method", method).register(registry);
        }
    }

    private DistributionSummary faithfulness(String method, String score) {
        return DistributionSummary.builder(FAITHFULNESS).description("faithfulness scores, in percent").scale(100)
                .tags("method", method, "score", score).serviceLevelObjectives(PERCENT_BUCKETS).register(registry);
    }

    public ExplainMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    public void backlog(Supplier<Number> backlog) {
        Gauge.builder("glimpse.explain.backlog", backlog).description("predictions not yet explained (consumer lag + on-demand queue)")
                .register(registry);
    }

    /**
     * {@code glimpse_explain_device_info{device, requested} = 1}: where the explanation sessions run, so an
     * {@code auto} that fell back to the CPU shows on a dashboard ({@code requested="auto", device="cpu"}).
     */
    public void device(String requested, String actual) {
        Gauge.builder("glimpse.explain.device.info", () -> 1).description("device of the explanation sessions")
                .tags("device", actual, "requested", requested).register(registry);
    }

    /**
     * {@code glimpse_explain_consumer_lag{partition}}: records of the predictions topic not yet reached, per
     * assigned partition (a partition this worker no longer owns reads 0).
     */
    public void consumerLag(Map<Integer, Long> lagByPartition) {
        partitionLag.forEach((partition, value) -> {
            if (!lagByPartition.containsKey(partition)) {
                value.set(0);
            }
        });
        lagByPartition.forEach((partition, lag) -> partitionLag.computeIfAbsent(partition, p -> {
            AtomicLong holder = new AtomicLong();
            Gauge.builder("glimpse.explain.consumer.lag", holder, AtomicLong::get)
                    .description("records of the predictions topic not yet reached by the explain worker")
                    .tag("partition", String.valueOf(p)).register(registry);
            return holder;
        }).set(lag));
    }

    /**
     * Gauges of the load budget: {@code glimpse_explain_capacity_per_second} (measured; NaN until measured),
     * {@code glimpse_explain_sample_rate} (in force), {@code glimpse_explain_method_cost_seconds{method}} (per item)
     * and {@code glimpse_explain_prediction_age_seconds} (age of the predictions the worker reaches).
     */
    public void budget(ExplainBudget budget, List<String> methods, ToDoubleFunction<ExplainBudget> sampleRate,
                       Supplier<Number> ageSeconds) {
        Gauge.builder("glimpse.explain.capacity.per.second", budget, b -> {
            double c = b.capacityPerSecond();
            return Double.isInfinite(c) ? Double.NaN : c;
        }).description("predictions per second the worker can explain (measured)").register(registry);
        Gauge.builder("glimpse.explain.sample.rate", budget, sampleRate)
                .description("random-sampling rate in force (the configured rate, lowered to fit the capacity)").register(registry);
        for (String m : methods) {
            Gauge.builder("glimpse.explain.method.cost.seconds", budget, b -> b.costs().secondsPerItem(m))
                    .description("wall time per explained item (averaged)").tag("method", m).register(registry);
        }
        Gauge.builder("glimpse.explain.prediction.age.seconds", ageSeconds)
                .description("age of the predictions the worker reaches (0 when it has no lag)").register(registry);
    }

    /** Selected predictions not explained, by reason ({@code max-age}, {@code over-capacity}). */
    public void skipped(String reason, long n) {
        if (n <= 0) {
            return;
        }
        skipped.computeIfAbsent(reason, r -> new AtomicLong()).addAndGet(n);
        Counter.builder("glimpse.explain.skipped").description("predictions not explained to keep up, by reason")
                .tag("reason", reason).register(registry).increment(n);
    }

    public long skippedTotal() {
        return skipped.values().stream().mapToLong(AtomicLong::get).sum();
    }

    /** Explanation records committed per second over the last 30 s (or since the first one, when sooner). */
    public double explanationsPerSecond() {
        return explanationRate.rate();
    }

    public void readyModels(Supplier<Number> ready) {
        Gauge.builder("glimpse.explain.models.ready", ready)
                .description("model versions whose explanation sessions are all built").register(registry);
    }

    public void imageCache(ImageCache cache) {
        Gauge.builder("glimpse.explain.image.cache.entries", cache, ImageCache::size).register(registry);
    }

    /** Predictions chosen by the policy in committed transactions. */
    public void selected(long n) {
        selected.addAndGet(n);
        Counter.builder("glimpse.explain.selected").description("predictions selected by the policy").register(registry).increment(n);
    }

    public void failure(String reason) {
        failures.incrementAndGet();
        Counter.builder("glimpse.explain.failures").description("items that could not be explained").tag("reason", reason)
                .register(registry).increment();
    }

    /** Dead letters in a committed transaction, in the platform's {@code glimpse_deadletter_total{stage="explain"}}. */
    public void deadLettered(String reason) {
        DeadLetterPublisher.counter(registry, STAGE, reason).increment();
    }

    public void batch(int size) {
        DistributionSummary.builder("glimpse.explain.batch.size").serviceLevelObjectives(1, 2, 4, 8, 16, 32, 64)
                .register(registry).record(size);
    }

    /** Records one committed explanation. */
    public void committed(Explanation e) {
        explanations.incrementAndGet();
        explanationRate.add(1);
        for (Artifact a : e.getArtifactsList()) {
            PerMethod m = perMethod.computeIfAbsent(a.getMethod(), PerMethod::new);
            m.count.increment();
            m.n.incrementAndGet();
            m.duration.record(Duration.ofMillis(a.getDurationMs()));
            if (a.hasFaithfulness()) {
                FaithfulnessScores f = a.getFaithfulness();
                synchronized (m) {
                    m.deletionSum += f.getDeletionAuc();
                    m.dropSum += f.getAverageDrop();
                }
                m.scored.incrementAndGet();
                m.deletion.record(f.getDeletionAuc());
                m.drop.record(f.getAverageDrop());
                if (f.getHasRoad()) { // probabilities, so in [0, 1] like the other scores (ROAD's combined can be < 0)
                    faithfulness(a.getMethod(), "road_morf").record(f.getRoadMorf());
                    faithfulness(a.getMethod(), "road_lerf").record(f.getRoadLerf());
                }
                if (f.getHasPointingGame()) {
                    m.pointingTotal.incrementAndGet();
                    if (f.getPointingGameHit()) {
                        m.pointingHits.incrementAndGet();
                        m.hits.increment();
                    } else {
                        m.misses.increment();
                    }
                }
            }
        }
    }

    public ExplainSummary summary() {
        Map<String, ExplainSummary.MethodFigures> methods = new TreeMap<>();
        perMethod.forEach((name, m) -> {
            double del;
            double drop;
            synchronized (m) {
                del = m.scored.get() == 0 ? Double.NaN : m.deletionSum / m.scored.get();
                drop = m.scored.get() == 0 ? Double.NaN : m.dropSum / m.scored.get();
            }
            methods.put(name, new ExplainSummary.MethodFigures(m.n.get(), del, drop, m.pointingHits.get(), m.pointingTotal.get()));
        });
        Map<String, Long> skips = new TreeMap<>();
        skipped.forEach((r, n) -> skips.put(r, n.get()));
        return new ExplainSummary(selected.get(), explanations.get(), failures.get(), methods, skips);
    }
}
