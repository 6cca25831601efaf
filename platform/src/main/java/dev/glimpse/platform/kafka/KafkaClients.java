package dev.glimpse.platform.kafka;

import dev.glimpse.contracts.Topic;
import dev.glimpse.contracts.TopicCatalog;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Kafka clients with Glimpse's defaults: producers are idempotent with {@code acks=all}; consumers read only
 * committed records, commit offsets themselves and start at the earliest offset of a new group.
 * Extra properties given at construction (e.g. security settings of an external cluster) apply to every client,
 * and per-call overrides win over both.
 */
public final class KafkaClients {

    private final String bootstrapServers;
    private final Map<String, Object> common;

    public KafkaClients(String bootstrapServers) {
        this(bootstrapServers, Map.of());
    }

    public KafkaClients(String bootstrapServers, Map<String, ?> commonProperties) {
        if (bootstrapServers == null || bootstrapServers.isBlank()) {
            throw new IllegalArgumentException("bootstrap servers must not be empty");
        }
        this.bootstrapServers = bootstrapServers;
        this.common = Map.copyOf(commonProperties);
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    /** Idempotent producer of raw bytes; send any topic with {@link Topic#serializeKey}/{@link Topic#serializeValue}. */
    public Producer<byte[], byte[]> producer(String clientId) {
        return producer(clientId, new ByteArraySerializer(), new ByteArraySerializer(), Map.of());
    }

    /** Idempotent producer for one topic's types. */
    public <K, V> Producer<K, V> producer(String clientId, Topic<K, V> topic) {
        return producer(clientId, topic.keySerde().serializer(), topic.valueSerde().serializer(), Map.of());
    }

    public <K, V> Producer<K, V> producer(String clientId, Serializer<K> keySerializer, Serializer<V> valueSerializer,
                                          Map<String, ?> overrides) {
        return new KafkaProducer<>(producerProperties(clientId, overrides), keySerializer, valueSerializer);
    }

    /**
     * Transactional producer of raw bytes, with {@code initTransactions()} already called (which fences any
     * older producer with the same transactional id, e.g. a worker that was killed mid-transaction).
     */
    public Producer<byte[], byte[]> transactionalProducer(String transactionalId) {
        return transactionalProducer(transactionalId, new ByteArraySerializer(), new ByteArraySerializer(), Map.of());
    }

    public <K, V> Producer<K, V> transactionalProducer(String transactionalId, Serializer<K> keySerializer,
                                                       Serializer<V> valueSerializer, Map<String, ?> overrides) {
        Objects.requireNonNull(transactionalId, "transactionalId");
        Map<String, Object> props = producerProperties(transactionalId, overrides);
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        props.putIfAbsent(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 30_000);
        KafkaProducer<K, V> producer = new KafkaProducer<>(props, keySerializer, valueSerializer);
        try {
            producer.initTransactions();
        } catch (RuntimeException e) {
            producer.close();
            throw e;
        }
        return producer;
    }

    /** read_committed consumer of raw bytes: callers parse values themselves so that garbage can be dead-lettered. */
    public Consumer<byte[], byte[]> consumer(String groupId, String clientId) {
        return consumer(groupId, clientId, new ByteArrayDeserializer(), new ByteArrayDeserializer(), Map.of());
    }

    /** read_committed consumer typed by the topic's serdes. */
    public <K, V> Consumer<K, V> consumer(String groupId, String clientId, Topic<K, V> topic) {
        return consumer(groupId, clientId, topic.keySerde().deserializer(), topic.valueSerde().deserializer(), Map.of());
    }

    public <K, V> Consumer<K, V> consumer(String groupId, String clientId, Deserializer<K> keyDeserializer,
                                          Deserializer<V> valueDeserializer, Map<String, ?> overrides) {
        Map<String, Object> props = new HashMap<>(common);
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        if (groupId != null) {
            props.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        }
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.putAll(overrides);
        return new KafkaConsumer<>(props, keyDeserializer, valueDeserializer);
    }

    public Admin admin(String clientId) {
        return admin(clientId, Map.of());
    }

    public Admin admin(String clientId, Map<String, ?> overrides) {
        Map<String, Object> props = new HashMap<>(common);
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(AdminClientConfig.CLIENT_ID_CONFIG, clientId);
        props.putAll(overrides);
        return Admin.create(props);
    }

    /** The properties every client gets (e.g. the cluster's security settings). */
    public Map<String, Object> commonProperties() {
        return common;
    }

    private Map<String, Object> producerProperties(String clientId, Map<String, ?> overrides) {
        Map<String, Object> props = new HashMap<>(common);
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        // A few ms of batching costs little latency and saves many requests at replay rates.
        props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        // Image records may be up to the limit of the image topics (plus protobuf framing).
        props.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, TopicCatalog.MAX_IMAGE_RECORD_BYTES + 64 * 1024);
        props.putAll(overrides);
        return props;
    }
}
