package dev.glimpse.launcher.demo;

import dev.glimpse.platform.kafka.KafkaClients;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * A group-less read_committed reader on a thread of its own that hands every non-empty poll to a sink until closed:
 * the demo's tally and the bench's readers, which count a run's records as a downstream consumer sees them.
 *
 * <p>It keeps Kafka's default fetch wait: a commit marker advancing the stable offset answers a waiting
 * read_committed fetch at once (measured with {@code bench pipeline}: the last latency stage, p50 32 ms with the
 * 500 ms wait), so a shorter wait would only make the broker answer empty fetches many times a second.
 */
public final class TopicFollower implements AutoCloseable {

    /** Where the reader starts, e.g. {@link TopicTail#assignAtEnd}: applied before this constructor returns. */
    @FunctionalInterface
    public interface Position {
        void assign(Consumer<byte[], byte[]> consumer);
    }

    /** Receives each non-empty poll on the follower's thread. */
    @FunctionalInterface
    public interface Sink {
        void accept(ConsumerRecords<byte[], byte[]> records);
    }

    private final Consumer<byte[], byte[]> consumer;
    private final Sink sink;
    private final Thread thread;
    private volatile boolean running = true;

    /**
     * @param clientId   the consumer's client id; the thread is named {@code glimpse-<threadName>}
     * @param overrides  consumer properties beyond the clients' defaults (e.g. {@code max.poll.records})
     */
    public TopicFollower(KafkaClients clients, String clientId, String threadName, Map<String, Object> overrides,
                         Position position, Sink sink) {
        this.consumer = clients.consumer(null, clientId, new ByteArrayDeserializer(), new ByteArrayDeserializer(),
                overrides);
        this.sink = sink;
        try {
            position.assign(consumer);
        } catch (RuntimeException e) {
            consumer.close();
            throw e;
        }
        this.thread = new Thread(this::run, "glimpse-" + threadName);
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        try {
            while (running) {
                ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(100));
                if (!records.isEmpty()) {
                    sink.accept(records);
                }
            }
        } catch (WakeupException e) {
            // closing
        } finally {
            consumer.close();
        }
    }

    /** Stops the reader and waits (up to 5 s) for its thread to close the consumer. */
    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
