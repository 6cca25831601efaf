package dev.glimpse.explainworker;

import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** The worker's consumer of {@code predictions} (read committed, manual offsets) and its transactional producer. */
final class ExplainKafkaClients {

    private static final int POLL_RECORDS = 500;

    private ExplainKafkaClients() {
    }

    /**
     * A static group member under the instance id: restarted after a crash (kill -9) with the same id, the worker
     * takes its partitions back at once instead of waiting for its predecessor's session to expire; {@link RecordLoop}
     * leaves the group explicitly when it stops.
     */
    static KafkaConsumer<byte[], byte[]> consumer(ExplainWorkerConfig config) {
        Properties p = new Properties();
        p.putAll(config.kafkaProperties());
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, config.groupId());
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, config.instanceId());
        p.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, config.instanceId());
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        // a poll reads well past one batch: predictions not selected, or too old to explain, cost nothing, so a backlog
        // is read through quickly; the worker stops at maxBatch selected and seeks back to the rest
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, String.valueOf(Math.max(config.maxBatch(), POLL_RECORDS)));
        // an image wait plus a slow batch must not cost the assignment
        p.put(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, String.valueOf(Math.max(300_000, 4 * config.imageWait().toMillis())));
        return new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    static KafkaProducer<byte[], byte[]> transactionalProducer(ExplainWorkerConfig config) {
        Properties p = new Properties();
        p.putAll(config.kafkaProperties());
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, config.transactionalId());
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, String.valueOf(8 << 20));
        p.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, String.valueOf(Math.max(60_000, 3 * config.imageWait().toMillis())));
        return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }
}
