package dev.glimpse.launcher.topics;

import com.google.protobuf.Message;
import dev.glimpse.contracts.Topic;
import dev.glimpse.contracts.TopicCatalog;
import dev.glimpse.platform.kafka.KafkaClients;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads one Glimpse topic without a consumer group (every partition assigned, read_committed) and decodes each
 * record with the topic's serde: from the beginning or from the end, up to the end offsets seen at start or on
 * and on. What {@code ./glimpse tail} and {@code ./glimpse deadletters} print.
 */
public final class TopicReader {

    /** One decoded record; {@code value} is null when it could not be decoded ({@code error} says why). */
    public record Decoded(String topic, int partition, long offset, long timestamp, String key, Message value, String error) {
    }

    private final KafkaClients clients;
    private final Topic<String, ? extends Message> topic;

    /** @param clients the cluster and its security settings */
    public TopicReader(KafkaClients clients, Topic<String, ? extends Message> topic) {
        this.clients = clients;
        this.topic = topic;
    }

    /**
     * The catalog topic named {@code name}: its short name ({@code predictions}) or its full name with the prefix.
     *
     * @throws IllegalArgumentException naming the known topics
     */
    @SuppressWarnings("unchecked")
    public static Topic<String, ? extends Message> find(TopicCatalog catalog, String name) {
        List<String> known = new ArrayList<>();
        for (Topic<String, ?> t : catalog.all()) {
            String shortName = t.name().substring(catalog.prefix().length());
            if (t.name().equals(name) || shortName.equals(name)) {
                return (Topic<String, ? extends Message>) t;
            }
            known.add(shortName);
        }
        throw new IllegalArgumentException("unknown topic '" + name + "'; Glimpse topics: " + String.join(", ", known));
    }

    /**
     * Delivers records until the end offsets taken at start are reached ({@code follow} false) or until
     * {@code keepGoing} turns false.
     *
     * @param fromBeginning start at the first record (else at the end: only new records)
     * @return the number of records delivered
     */
    public long read(boolean fromBeginning, boolean follow, BooleanSupplier keepGoing, Consumer<Decoded> sink) {
        long n = 0;
        try (org.apache.kafka.clients.consumer.Consumer<byte[], byte[]> consumer = clients.consumer(null, "glimpse-tail",
                new ByteArrayDeserializer(), new ByteArrayDeserializer(),
                Map.of(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 8 << 20))) {
            List<PartitionInfo> infos = consumer.partitionsFor(topic.name(), Duration.ofSeconds(15));
            if (infos == null || infos.isEmpty()) {
                throw new IllegalArgumentException("topic '" + topic.name() + "' does not exist on " + clients.bootstrapServers());
            }
            List<TopicPartition> parts = infos.stream().map(i -> new TopicPartition(i.topic(), i.partition())).toList();
            consumer.assign(parts);
            Map<TopicPartition, Long> ends = consumer.endOffsets(parts);
            if (fromBeginning) {
                consumer.seekToBeginning(parts);
            } else {
                ends.forEach(consumer::seek);
            }
            while (keepGoing.getAsBoolean()) {
                if (!follow && parts.stream().allMatch(tp -> consumer.position(tp) >= ends.get(tp))) {
                    break;
                }
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    sink.accept(decode(r));
                    n++;
                }
            }
        }
        return n;
    }

    private Decoded decode(ConsumerRecord<byte[], byte[]> r) {
        String key = r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8);
        try {
            return new Decoded(r.topic(), r.partition(), r.offset(), r.timestamp(), key, topic.deserializeValue(r.value()), null);
        } catch (RuntimeException e) {
            return new Decoded(r.topic(), r.partition(), r.offset(), r.timestamp(), key, null,
                    "cannot decode " + (r.value() == null ? 0 : r.value().length) + " bytes: " + e.getMessage());
        }
    }
}
