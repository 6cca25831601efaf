package dev.glimpse.platform.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glimpse.contracts.TopicCatalog;
import dev.glimpse.contracts.events.Label;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedKafkaClusterTest {

    @Test
    void shouldKeepEveryCommittedRecordWhenTheLeaderOfMostPartitionsIsStopped(@TempDir Path dir) throws Exception {
        TopicCatalog catalog = TopicCatalog.withPrefix("cluster.");
        // Given a 3-node cluster with the catalog's topics
        try (EmbeddedKafkaCluster cluster = EmbeddedKafkaCluster.builder().nodes(3).dataDir(dir).preferredPort(0)
                .topics(catalog).start()) {
            assertEquals(3, cluster.bootstrapServers().split(",").length);
            assertTrue(Files.exists(dir.resolve("node-2").resolve("meta.properties")), "each node has its own directory");
            try (Admin admin = cluster.admin()) {
                // replication factor 3 and min.insync.replicas=2 on the topics
                TopicDescription images = admin.describeTopics(List.of(catalog.images().name())).allTopicNames().get()
                        .get(catalog.images().name());
                images.partitions().forEach(p -> assertEquals(3, p.replicas().size()));
                ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, catalog.images().name());
                assertEquals("2", admin.describeConfigs(List.of(resource)).all().get().get(resource)
                        .get("min.insync.replicas").value());
            }
            KafkaClients clients = new KafkaClients(cluster.bootstrapServers());
            Set<String> sent = new HashSet<>();
            try (Producer<byte[], byte[]> producer = clients.transactionalProducer("cluster-test-tx")) {
                send(producer, catalog, 0, 100, sent);

                // When the leader of the most partitions is stopped without handing over its leaderships
                int victim = cluster.leaderOfMostPartitions();
                cluster.stopNode(victim);
                assertFalse(cluster.nodes().get(victim - 1).isRunning());

                // Then transactions go on with the two others
                send(producer, catalog, 100, 200, sent);
                // and after a restart the node catches up while writes continue
                cluster.restartNode(victim);
                send(producer, catalog, 200, 300, sent);
            }
            // and a read_committed reader finds each record exactly once
            List<String> keys = readAll(clients, catalog);
            assertEquals(sent.size(), keys.size(), "no record duplicated or lost");
            assertEquals(sent, new HashSet<>(keys));
        }
    }

    private static void send(Producer<byte[], byte[]> producer, TopicCatalog catalog, int from, int to, Set<String> sent) {
        producer.beginTransaction();
        for (int i = from; i < to; i++) {
            String id = "img-" + i;
            producer.send(new ProducerRecord<>(catalog.labels().name(), catalog.labels().serializeKey(id),
                    catalog.labels().serializeValue(Label.newBuilder().setImageId(id).setLabel(i % 10).build())));
            sent.add(id);
        }
        producer.commitTransaction();
    }

    private static List<String> readAll(KafkaClients clients, TopicCatalog catalog) {
        try (Consumer<String, Label> consumer = clients.consumer(null, "cluster-reader", catalog.labels())) {
            List<TopicPartition> partitions = consumer.partitionsFor(catalog.labels().name()).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            var end = consumer.endOffsets(partitions);
            List<String> keys = new java.util.ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p)) && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(100)).forEach(r -> keys.add(r.key()));
            }
            return keys;
        }
    }
}
