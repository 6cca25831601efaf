package dev.glimpse.inference;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The worker's meters. Prometheus names (Micrometer adds the unit and {@code _total}):
 * {@code glimpse_inference_events_total{outcome}}, {@code glimpse_inference_batch_size},
 * {@code glimpse_inference_queue_seconds}, {@code glimpse_inference_seconds} (the ORT call),
 * {@code glimpse_inference_end_to_end_seconds} (ingest to prediction), each a summary with p50/p90/p99,
 * {@code glimpse_inference_consumer_lag}, {@code glimpse_inference_model_info{model,version}},
 * {@code glimpse_inference_device_info{device,requested}}, {@code glimpse_inference_dead_letters_total{reason}},
 * {@code glimpse_inference_transactions_total{outcome}}.
 */
final class InferenceMetrics {

    private final MeterRegistry registry;
    private final Tags tags;
    private final Counter predicted;
    private final Counter deadLettered;
    private final DistributionSummary batchSize;
    private final Timer queue;
    private final Timer inference;
    private final Timer endToEnd;
    private final AtomicLong lag = new AtomicLong();
    private final ConcurrentMap<String, Counter> deadLettersByReason = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, Counter> transactions = new ConcurrentHashMap<>();
    /** per info gauge name, its one current series */
    private final ConcurrentMap<String, Gauge> infoSeries = new ConcurrentHashMap<>();

    InferenceMetrics(MeterRegistry registry, String workerId) {
        this.registry = registry;
        this.tags = Tags.of("worker", workerId);
        this.predicted = Counter.builder("glimpse.inference.events").tags(tags).tag("outcome", "predicted")
                .description("Images consumed, by outcome").register(registry);
        this.deadLettered = Counter.builder("glimpse.inference.events").tags(tags).tag("outcome", "dead_lettered")
                .description("Images consumed, by outcome").register(registry);
        this.batchSize = DistributionSummary.builder("glimpse.inference.batch.size").tags(tags)
                .description("Images per ONNX Runtime call")
                .serviceLevelObjectives(1, 2, 4, 8, 16, 32, 64, 128).register(registry);
        this.queue = timer("glimpse.inference.queue", "Ingest to batch start");
        this.inference = timer("glimpse.inference", "The ONNX Runtime call of a batch");
        this.endToEnd = timer("glimpse.inference.end.to.end", "Ingest to prediction produced");
        Gauge.builder("glimpse.inference.consumer.lag", lag, AtomicLong::get).tags(tags)
                .description("Records of the images topic not yet consumed by this worker").register(registry);
    }

    private Timer timer(String name, String description) {
        return Timer.builder(name).tags(tags).description(description)
                // client-side percentiles: Prometheus renders them as a summary with quantile labels
                .publishPercentiles(0.5, 0.9, 0.99).distributionStatisticExpiry(Duration.ofMinutes(1))
                .register(registry);
    }

    void batch(int size, long inferenceNanos) {
        batchSize.record(size);
        inference.record(inferenceNanos, TimeUnit.NANOSECONDS);
    }

    void predicted(long queueMs, long endToEndMs) {
        predicted.increment();
        queue.record(Math.max(0, queueMs), TimeUnit.MILLISECONDS);
        endToEnd.record(Math.max(0, endToEndMs), TimeUnit.MILLISECONDS);
    }

    void deadLettered(String reason) {
        deadLettered.increment();
        deadLettersByReason.computeIfAbsent(reason, r -> Counter.builder("glimpse.inference.dead.letters")
                .tags(tags).tag("reason", r).description("Images sent to the deadletter topic, by reason")
                .register(registry)).increment();
    }

    void transaction(String outcome) {
        transactions.computeIfAbsent(outcome, o -> Counter.builder("glimpse.inference.transactions")
                .tags(tags).tag("outcome", o).register(registry)).increment();
    }

    void lag(long records) {
        lag.set(records);
    }

    /**
     * Makes the given labels the only series of an info gauge (value 1): series set earlier (e.g. the previous model)
     * are removed from the registry. Setting them to 0 is not enough: the Prometheus registry exports meters named
     * {@code *_info} as Prometheus info metrics, whose value is always 1.
     */
    synchronized void info(String name, Tags labels) {
        Gauge next = Gauge.builder(name, () -> 1).tags(tags).tags(labels).register(registry);
        Gauge previous = infoSeries.put(name, next);
        if (previous != null && !previous.getId().equals(next.getId())) {
            registry.remove(previous);
        }
    }
}
