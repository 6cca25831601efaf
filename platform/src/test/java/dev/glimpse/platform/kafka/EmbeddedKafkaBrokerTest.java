package dev.glimpse.platform.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glimpse.contracts.TopicCatalog;
import dev.glimpse.contracts.events.Label;
import dev.glimpse.platform.testing.KafkaBrokerExtension;
import dev.glimpse.platform.testing.KafkaTestContext;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(KafkaBrokerExtension.class)
class EmbeddedKafkaBrokerTest {

    static Label label(String id, int value) {
        return Label.newBuilder().setImageId(id).setLabel(value).setSource("test").build();
    }

    @Test
    void shouldDeliverAProducedRecordToAConsumer(KafkaTestContext kafka) {
        // Given the catalog's topics on the embedded broker
        TopicCatalog catalog = kafka.catalog();

        // When one label is produced
        kafka.produce(catalog.labels(), "img-1", label("img-1", 7));

        // Then a consumer reads exactly that record
        List<ConsumerRecord<String, Label>> records = kafka.consume(catalog.labels(), 1, Duration.ofSeconds(20));
        assertEquals(1, records.size());
        assertEquals("img-1", records.get(0).key());
        assertEquals(7, records.get(0).value().getLabel());
    }

    @Test
    void shouldShowOnlyCommittedTransactionsToReadCommittedConsumers(KafkaTestContext kafka) throws Exception {
        TopicCatalog catalog = kafka.catalog();
        try (Producer<byte[], byte[]> producer = kafka.clients().transactionalProducer(kafka.topicPrefix() + "tx")) {
            // Given one aborted and one committed transaction
            producer.beginTransaction();
            producer.send(raw(catalog, "aborted", 1));
            producer.flush();
            producer.abortTransaction();

            producer.beginTransaction();
            producer.send(raw(catalog, "committed-a", 2));
            producer.send(raw(catalog, "committed-b", 3));
            producer.commitTransaction();
        }

        // When a read_committed consumer reads the topic to its end (a commit becomes visible on each partition once
        // its marker is written there, just after commitTransaction returns: seen missing at load 38)
        Set<String> keys = Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                .until(() -> kafka.readAll(catalog.labels()).stream().map(ConsumerRecord::key).collect(Collectors.toSet()),
                        k -> k.containsAll(Set.of("committed-a", "committed-b")));

        // Then it sees the committed records only
        assertEquals(Set.of("committed-a", "committed-b"), keys);
    }

    private static ProducerRecord<byte[], byte[]> raw(TopicCatalog catalog, String key, int value) {
        return new ProducerRecord<>(catalog.labels().name(), catalog.labels().serializeKey(key),
                catalog.labels().serializeValue(label(key, value)));
    }

    @Test
    void shouldCreateEveryCatalogTopicWithItsPartitionsAndCompaction(KafkaTestContext kafka) throws Exception {
        TopicCatalog catalog = kafka.catalog();

        try (Admin admin = kafka.clients().admin("test-admin")) {
            var descriptions = admin.describeTopics(catalog.all().stream().map(t -> t.name()).toList())
                    .allTopicNames().get();
            assertEquals(catalog.all().size(), descriptions.size());
            assertEquals(catalog.images().partitions(), descriptions.get(catalog.images().name()).partitions().size());
            var resource = new org.apache.kafka.common.config.ConfigResource(
                    org.apache.kafka.common.config.ConfigResource.Type.TOPIC, catalog.models().name());
            String policy = admin.describeConfigs(List.of(resource)).all().get().get(resource)
                    .get("cleanup.policy").value();
            assertEquals("compact", policy);
        }
    }

    @Test
    void shouldKeepRecordsAndClusterIdWhenRestartedOnTheSameData(@TempDir Path dir) {
        TopicCatalog catalog = TopicCatalog.withPrefix("restart.");
        String clusterId;
        // Given a broker that stored two labels and was stopped cleanly
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().dataDir(dir).preferredPort(0).topics(catalog).start();
             Producer<byte[], byte[]> producer = new KafkaClients(broker.bootstrapServers()).producer("p")) {
            clusterId = broker.clusterId();
            producer.send(raw(catalog, "a", 1));
            producer.send(raw(catalog, "b", 2));
            producer.flush();
        }
        assertTrue(Files.exists(dir.resolve("meta.properties")));

        // When a new broker starts on the same directory
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().dataDir(dir).preferredPort(0).topics(catalog).start()) {
            // Then it is the same cluster and the records are still there
            assertEquals(clusterId, broker.clusterId());
            KafkaClients clients = new KafkaClients(broker.bootstrapServers());
            try (var consumer = clients.consumer(null, "reader", catalog.labels())) {
                var partitions = consumer.partitionsFor(catalog.labels().name()).stream()
                        .map(p -> new org.apache.kafka.common.TopicPartition(p.topic(), p.partition())).toList();
                consumer.assign(partitions);
                consumer.seekToBeginning(partitions);
                java.util.ArrayList<String> keys = new java.util.ArrayList<>();
                long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
                while (keys.size() < 2 && System.nanoTime() < deadline) {
                    consumer.poll(Duration.ofMillis(100)).forEach(r -> keys.add(r.key()));
                }
                assertEquals(Set.of("a", "b"), Set.copyOf(keys));
            }
        }
    }

    @Test
    void shouldChooseAnotherPortWhenThePreferredOneIsTaken(@TempDir Path dir) throws Exception {
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().dataDir(dir)
                    .preferredPort(taken.getLocalPort()).start()) {
                assertNotEquals(taken.getLocalPort(), broker.port());
                assertEquals("127.0.0.1:" + broker.port(), broker.bootstrapServers());
            }
        }
    }
}
