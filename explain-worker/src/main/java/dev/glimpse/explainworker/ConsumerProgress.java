package dev.glimpse.explainworker;

import java.util.HashMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * How far behind the record loop is: the real consumer lag, the age of the predictions it reaches, and the empty
 * polls in a row (for {@link ExplainWorker#awaitIdle}). Written by the loop, read by health and the status line.
 */
final class ConsumerProgress {

    private final ExplainMetrics metrics;
    private final AtomicLong lag = new AtomicLong();
    /** Age in ms of the oldest prediction of the last poll that had records; 0 after an empty poll without lag. */
    private final AtomicLong reachedAgeMs = new AtomicLong();
    private final AtomicLong idlePolls = new AtomicLong();
    private volatile boolean assigned;

    ConsumerProgress(ExplainMetrics metrics) {
        this.metrics = metrics;
    }

    long lag() {
        return lag.get();
    }

    long reachedAgeMs() {
        return reachedAgeMs.get();
    }

    void reached(long ageMs) {
        reachedAgeMs.set(ageMs);
    }

    boolean assigned() {
        return assigned;
    }

    long idlePolls() {
        return idlePolls.get();
    }

    /** A poll with nothing to do: once caught up, the age of what is reached is 0. */
    void idle() {
        idlePolls.incrementAndGet();
        if (lag.get() == 0) {
            reachedAgeMs.set(0);
        }
    }

    void busy() {
        idlePolls.set(0);
    }

    /** Reads the consumer's lag per assigned partition (advisory: a failure to read it is ignored). */
    void update(KafkaConsumer<?, ?> consumer) {
        try {
            long total = 0;
            assigned = !consumer.assignment().isEmpty();
            Map<Integer, Long> byPartition = new HashMap<>();
            for (TopicPartition tp : consumer.assignment()) {
                OptionalLong l = consumer.currentLag(tp);
                if (l.isPresent()) {
                    total += l.getAsLong();
                    byPartition.put(tp.partition(), l.getAsLong());
                }
            }
            lag.set(total);
            metrics.consumerLag(byPartition);
        } catch (RuntimeException e) {
            // lag is advisory
        }
    }
}
