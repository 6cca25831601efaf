package dev.glimpse.inference;

import dev.glimpse.platform.kafka.KafkaClients;
import java.util.Map;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** The worker's Kafka clients, tuned for micro-batches committed in transactions. */
final class WorkerClients {

    private WorkerClients() {
    }

    /** The transactional producer; creating it fences a crashed predecessor with the same worker id. */
    static Producer<byte[], byte[]> transactionalProducer(KafkaClients clients, InferenceConfig config) {
        return clients.transactionalProducer(config.transactionalId(), new ByteArraySerializer(),
                new ByteArraySerializer(), Map.of(
                        ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, (int) config.transactionTimeout().toMillis(),
                        // predictions become visible only at the commit, which flushes whatever lingers: a
                        // short linger costs no latency and lets a backlog's predictions go in few requests
                        ProducerConfig.LINGER_MS_CONFIG, 10,
                        // with transactions v2 the first send after a commit may be told CONCURRENT_TRANSACTIONS
                        // while the markers are written; retry soon rather than after the default 100 ms
                        ProducerConfig.RETRY_BACKOFF_MS_CONFIG, 5,
                        // one request in flight: a retried first send cannot overtake the rest of the
                        // transaction (which the broker answers with OUT_OF_ORDER_SEQUENCE and more retries)
                        ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1,
                        // predictions are mostly float embeddings, which lz4 barely shrinks: not compressing
                        // saves CPU in this producer and in the broker's validation of every batch
                        ProducerConfig.COMPRESSION_TYPE_CONFIG, "none",
                        // under a backlog, records pile up while the one request is in flight: send them
                        // in few large requests rather than many 16 KB ones
                        ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024));
    }

    /**
     * The consumer of the images topic, committing nothing itself (offsets go with the transactions). A static
     * group member under the worker id: a worker restarted after a crash with the same id takes its partitions back
     * at once instead of waiting for its predecessor's session to expire; a clean stop leaves the group explicitly
     * ({@link PollLoop}), so the others take its partitions at once too.
     *
     * @param maxPollRecords records per poll: those are decoded at once ({@link DecodeAhead})
     */
    static Consumer<byte[], byte[]> imagesConsumer(KafkaClients clients, InferenceConfig config, int maxPollRecords) {
        return clients.consumer(config.groupId(), config.workerId(), new ByteArrayDeserializer(),
                new ByteArrayDeserializer(), Map.of(
                        ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, config.workerId(),
                        ConsumerConfig.MAX_POLL_RECORDS_CONFIG, maxPollRecords));
        // fetch.max.wait.ms stays at Kafka's 500 ms: an image appended to a partition answers the waiting fetch at
        // once, so the wait only sets how often an idle worker asks. At 20 ms it asked 50 times a second, and the
        // broker's work on those empty fetches was a fixed CPU cost per second whatever the image rate
        // (bench pipeline --cpu, "Kafka CPU idle").
    }
}
