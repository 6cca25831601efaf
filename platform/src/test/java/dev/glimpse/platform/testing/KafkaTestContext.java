package dev.glimpse.platform.testing;

import dev.glimpse.contracts.Topic;
import dev.glimpse.contracts.TopicCatalog;
import dev.glimpse.platform.kafka.EmbeddedKafkaBroker;
import dev.glimpse.platform.kafka.KafkaClients;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;

/**
 * What one test sees of the shared broker: a topic catalog with a prefix of its own (topics created on first
 * use), unique group ids, client factories, and helpers to produce and to read topics to the end.
 */
public final class KafkaTestContext implements AutoCloseable {

    private final EmbeddedKafkaBroker broker;
    private final String prefix;
    private final String testName;
    private final KafkaClients clients;
    private final AtomicInteger groups = new AtomicInteger();
    private final List<AutoCloseable> toClose = new ArrayList<>();
    private TopicCatalog catalog;

    KafkaTestContext(EmbeddedKafkaBroker broker, String prefix, String testName) {
        this.broker = broker;
        this.prefix = prefix;
        this.testName = testName;
        this.clients = new KafkaClients(broker.bootstrapServers());
    }

    public EmbeddedKafkaBroker broker() {
        return broker;
    }

    public String bootstrapServers() {
        return broker.bootstrapServers();
    }

    public KafkaClients clients() {
        return clients;
    }

    /** Topic prefix unique to this test, e.g. {@code t7-3fa2c1.} */
    public String topicPrefix() {
        return prefix;
    }

    /**
     * This test's catalog: prefix {@link #topicPrefix()}, {@value TopicCatalog#DEFAULT_PARTITIONS} partitions; its topics
     * exist on return. A service configured with {@code topics.prefix = topicPrefix()} uses the same topics.
     */
    public synchronized TopicCatalog catalog() {
        if (catalog == null) {
            catalog = new TopicCatalog(prefix, TopicCatalog.DEFAULT_PARTITIONS);
            broker.createTopics(catalog);
        }
        return catalog;
    }

    /**
     * A catalog with another partition count, under the prefix {@code topicPrefix() + "p<partitions>."} so that it
     * does not clash with {@link #catalog()}.
     */
    public TopicCatalog catalog(int partitions) {
        if (partitions == TopicCatalog.DEFAULT_PARTITIONS) {
            return catalog();
        }
        TopicCatalog c = new TopicCatalog(prefix + "p" + partitions + ".", partitions);
        broker.createTopics(c);
        return c;
    }

    /** A consumer group id no other test uses. */
    public String groupId(String name) {
        return prefix + testName + "." + name + "." + groups.incrementAndGet();
    }

    /** Produces one record and waits for the acknowledgement. */
    public <K, V> void produce(Topic<K, V> topic, K key, V value) {
        Producer<byte[], byte[]> producer = sharedProducer();
        try {
            producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>(topic.name(),
                    topic.serializeKey(key), topic.serializeValue(value))).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot produce to " + topic.name(), e.getCause());
        }
    }

    private Producer<byte[], byte[]> producer;

    private synchronized Producer<byte[], byte[]> sharedProducer() {
        if (producer == null) {
            producer = clients.producer(prefix + "test-producer");
            toClose.add(producer);
        }
        return producer;
    }

    /**
     * Reads committed records of a topic from the beginning until {@code count} have arrived; fails with the number
     * seen if the timeout passes first. Records beyond {@code count} that are already available are returned too,
     * so callers can assert "exactly count" (no duplicates).
     */
    public <K, V> List<ConsumerRecord<K, V>> consume(Topic<K, V> topic, int count, Duration timeout) {
        List<ConsumerRecord<K, V>> records = new ArrayList<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        try (Consumer<K, V> consumer = assignedFromBeginning(topic)) {
            while (records.size() < count && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(100)).forEach(records::add);
            }
            if (records.size() < count) {
                throw new AssertionError("expected " + count + " records on " + topic.name() + " within " + timeout
                        + " but got " + records.size());
            }
            // Drain what is already committed beyond count (duplicates would show up here).
            drainToEnd(consumer, records, deadline + Duration.ofSeconds(5).toNanos());
        }
        return records;
    }

    /** Every committed record of the topic at this moment (reads up to the last stable offset). */
    public <K, V> List<ConsumerRecord<K, V>> readAll(Topic<K, V> topic) {
        List<ConsumerRecord<K, V>> records = new ArrayList<>();
        try (Consumer<K, V> consumer = assignedFromBeginning(topic)) {
            drainToEnd(consumer, records, System.nanoTime() + Duration.ofSeconds(30).toNanos());
        }
        return records;
    }

    private <K, V> Consumer<K, V> assignedFromBeginning(Topic<K, V> topic) {
        Consumer<K, V> consumer = clients.consumer(null, prefix + "reader-" + groups.incrementAndGet(),
                topic.keySerde().deserializer(), topic.valueSerde().deserializer(), Map.of());
        List<TopicPartition> partitions = new ArrayList<>();
        for (PartitionInfo p : consumer.partitionsFor(topic.name(), Duration.ofSeconds(10))) {
            partitions.add(new TopicPartition(p.topic(), p.partition()));
        }
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        return consumer;
    }

    private static <K, V> void drainToEnd(Consumer<K, V> consumer, List<ConsumerRecord<K, V>> records, long deadline) {
        // For a read_committed consumer endOffsets are the last stable offsets.
        Map<TopicPartition, Long> end = consumer.endOffsets(consumer.assignment());
        while (System.nanoTime() < deadline) {
            boolean done = end.entrySet().stream().allMatch(e -> consumer.position(e.getKey()) >= e.getValue());
            if (done) {
                return;
            }
            consumer.poll(Duration.ofMillis(100)).forEach(records::add);
        }
    }

    @Override
    public void close() {
        for (AutoCloseable c : toClose) {
            try {
                c.close();
            } catch (Exception e) {
                // closing test clients must not mask the test result
            }
        }
    }
}
