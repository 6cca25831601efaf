package dev.glimpse.launcher.demo;

import dev.glimpse.contracts.TopicCatalog;
import dev.glimpse.contracts.events.Prediction;
import dev.glimpse.platform.kafka.KafkaClients;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Counts a finished run's predictions as a downstream reader sees them: the {@code predictions} topic read
 * read_committed from the run's first start to its end, the records of the run's image ids, how many distinct ids,
 * and against the images the run published: how many were lost (no prediction) and duplicated (more than one).
 */
public final class PredictionsAudit {

    /** The figures of one audit. */
    public record Result(String runId, long published, long records, long distinct) {
        public long lost() {
            return Math.max(0, published - distinct);
        }

        public long duplicated() {
            return records - distinct;
        }

        public String line() {
            return String.format(Locale.ROOT, "predictions topic (read_committed, run %s): %d records, %d distinct image ids "
                    + "for %d published images; lost %d, duplicated %d", runId, records, distinct, published, lost(), duplicated());
        }
    }

    private PredictionsAudit() {
    }

    public static Result of(KafkaClients clients, TopicCatalog catalog, ReplayRun run, long published) {
        Set<String> ids = new HashSet<>();
        long records = 0;
        try (Consumer<byte[], byte[]> consumer = clients.consumer(null, catalog.prefix() + "demo-audit",
                new ByteArrayDeserializer(), new ByteArrayDeserializer(), Map.of())) {
            TopicTail.assignFrom(consumer, List.of(catalog.predictions().name()), run.startedAtMs());
            Set<TopicPartition> partitions = consumer.assignment();
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, Duration.ofSeconds(30));
            long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("cannot read the predictions topic to its end within 120 s");
                }
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    Prediction p = catalog.predictions().deserializeValue(r.value());
                    if (p != null && run.owns(p.getImageId())) {
                        records++;
                        ids.add(p.getImageId());
                    }
                }
            }
        }
        return new Result(run.runId(), published, records, ids.size());
    }
}
