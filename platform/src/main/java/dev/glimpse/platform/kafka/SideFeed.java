package dev.glimpse.platform.kafka;

import dev.glimpse.contracts.Topic;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads side topics into local state without a consumer group: every partition is assigned, the per-image
 * topics from {@code lookback} ago, compacted ones ({@code models}) from the beginning. The explain worker uses
 * it to join predictions with images and labels and to learn about model versions; the console to build its
 * gallery. Records that do not parse are skipped with a warning (ingest and inference dead-letter their own).
 */
public final class SideFeed implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SideFeed.class);

    private record Route<V>(Topic<String, V> topic, BiConsumer<String, V> sink, boolean fromBeginning) {
        void deliver(ConsumerRecord<byte[], byte[]> r) {
            V v = topic.deserializeValue(r.value());
            if (v != null) {
                sink.accept(r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8), v);
            }
        }
    }

    private final KafkaClients clients;
    private final Duration lookback;
    private final String name;
    private final Map<String, Route<?>> routes = new HashMap<>();
    private volatile boolean running;
    private volatile boolean caughtUp;
    private Thread thread;
    private Consumer<byte[], byte[]> consumer;

    /** @param clients the cluster and its security settings ({@code PlatformConfig.kafkaClients}) */
    public SideFeed(String name, KafkaClients clients, Duration lookback) {
        this.name = name;
        this.clients = clients;
        this.lookback = lookback;
    }

    /** @param clientProperties the cluster's security settings ({@code KafkaKeys.clientProperties}) */
    public SideFeed(String name, String bootstrapServers, Map<String, ?> clientProperties, Duration lookback) {
        this(name, new KafkaClients(bootstrapServers, clientProperties), lookback);
    }

    public <V> SideFeed route(Topic<String, V> topic, BiConsumer<String, V> sink, boolean fromBeginning) {
        routes.put(topic.name(), new Route<>(topic, sink, fromBeginning));
        return this;
    }

    /** Whether the first read up to the end offsets seen at start has finished. */
    public boolean caughtUp() {
        return caughtUp;
    }

    public synchronized void start() {
        consumer = clients.consumer(null, name, new ByteArrayDeserializer(), new ByteArrayDeserializer(),
                Map.of(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 8 << 20));
        running = true;
        thread = new Thread(this::run, name);
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        try {
            List<TopicPartition> assigned = assignWhenTopicsExist();
            if (assigned == null) {
                return;
            }
            Map<TopicPartition, Long> ends = consumer.endOffsets(assigned);
            while (running) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                    try {
                        routes.get(r.topic()).deliver(r);
                    } catch (RuntimeException e) {
                        LOG.warn("{}: skipping unreadable record {}-{}@{}: {}", name, r.topic(), r.partition(), r.offset(), e.getMessage());
                    }
                }
                if (!caughtUp) {
                    caughtUp = ends.entrySet().stream().allMatch(e -> consumer.position(e.getKey()) >= e.getValue());
                }
            }
        } catch (WakeupException e) {
            // closing
        } catch (RuntimeException e) {
            if (running) {
                LOG.error("{} stopped: {}", name, e.toString(), e);
            }
        } finally {
            consumer.close(CloseOptions.timeout(Duration.ofSeconds(2)));
        }
    }

    private List<TopicPartition> assignWhenTopicsExist() {
        while (running) {
            List<TopicPartition> parts = new ArrayList<>();
            boolean all = true;
            for (String topic : routes.keySet()) {
                List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(5));
                if (infos == null || infos.isEmpty()) {
                    all = false;
                    break;
                }
                infos.forEach(i -> parts.add(new TopicPartition(i.topic(), i.partition())));
            }
            if (all) {
                consumer.assign(parts);
                seek(parts);
                return parts;
            }
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        }
        return null;
    }

    private void seek(List<TopicPartition> parts) {
        long since = System.currentTimeMillis() - lookback.toMillis();
        Map<TopicPartition, Long> byTime = new HashMap<>();
        List<TopicPartition> beginning = new ArrayList<>();
        for (TopicPartition tp : parts) {
            if (routes.get(tp.topic()).fromBeginning()) {
                beginning.add(tp);
            } else {
                byTime.put(tp, since);
            }
        }
        consumer.seekToBeginning(beginning);
        if (!byTime.isEmpty()) {
            // End offsets taken before the time lookup, and sought to as numbers (seekToEnd is resolved lazily, at
            // the first poll): a record produced meanwhile is at or after them, so it is never skipped.
            Map<TopicPartition, Long> ends = consumer.endOffsets(byTime.keySet());
            Map<TopicPartition, OffsetAndTimestamp> found = consumer.offsetsForTimes(byTime);
            for (TopicPartition tp : byTime.keySet()) {
                OffsetAndTimestamp ot = found.get(tp);
                consumer.seek(tp, ot != null ? ot.offset() : ends.get(tp));
            }
        }
    }

    @Override
    public void close() {
        running = false;
        if (consumer != null) {
            consumer.wakeup();
        }
        if (thread != null) {
            try {
                thread.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
