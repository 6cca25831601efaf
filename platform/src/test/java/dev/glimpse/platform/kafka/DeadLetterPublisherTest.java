package dev.glimpse.platform.kafka;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glimpse.contracts.TopicCatalog;
import dev.glimpse.contracts.events.DeadLetter;
import dev.glimpse.platform.metrics.KafkaClientMeters;
import dev.glimpse.platform.metrics.MetricsServer;
import dev.glimpse.platform.testing.KafkaBrokerExtension;
import dev.glimpse.platform.testing.KafkaTestContext;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(KafkaBrokerExtension.class)
class DeadLetterPublisherTest {

    @Test
    void shouldPublishReasonDetailAndOriginalBytesAndCountIt(KafkaTestContext kafka) throws Exception {
        TopicCatalog catalog = kafka.catalog();
        PrometheusMeterRegistry registry = MetricsServer.newRegistry("test");
        Clock clock = Clock.fixed(Instant.ofEpochMilli(1234), ZoneOffset.UTC);
        byte[] original = {(byte) 0x89, 'P', 'N', 'G', 0, 1, 2, 3, 4, 5};
        byte[] huge = new byte[100];
        Arrays.fill(huge, (byte) 7);

        try (Producer<byte[], byte[]> producer = kafka.clients().producer("dlq")) {
            DeadLetterPublisher publisher = new DeadLetterPublisher(producer, catalog.deadletter(), registry, "ingest", 64, clock);
            // When a truncated PNG and an over-size payload are dead-lettered
            publisher.publish(DeadLetterReason.TRUNCATED, "PNG ends inside IDAT", "img-1", original).get();
            publisher.publish(DeadLetterReason.TOO_MANY_BYTES, "100 bytes > 64", "img-2", huge).get();
        }

        // Then both are on the topic, keyed by image id, with the original bytes (the big one cut to 64 bytes)
        List<ConsumerRecord<String, DeadLetter>> records = kafka.consume(catalog.deadletter(), 2, Duration.ofSeconds(20));
        assertEquals(2, records.size());
        DeadLetter truncated = records.get(0).value();
        assertEquals("img-1", records.get(0).key());
        assertEquals("truncated", truncated.getReason());
        assertEquals("ingest", truncated.getStage());
        assertEquals("PNG ends inside IDAT", truncated.getDetail());
        assertArrayEquals(original, truncated.getOriginalValue().toByteArray());
        assertEquals(original.length, truncated.getOriginalSize());
        assertFalse(truncated.getOriginalTruncated());
        assertEquals(1234, truncated.getFailedAtMs());

        DeadLetter big = records.get(1).value();
        assertEquals("too-many-bytes", big.getReason());
        assertEquals(64, big.getOriginalValue().size());
        assertEquals(100, big.getOriginalSize());
        assertTrue(big.getOriginalTruncated());

        assertEquals(1.0, registry.get("glimpse.deadletter").tags("stage", "ingest", "reason", "truncated").counter().count());
        assertEquals(1.0, registry.get("glimpse.deadletter").tags("stage", "ingest", "reason", "too-many-bytes").counter().count());
    }

    @Test
    void shouldExportConsumerLag(KafkaTestContext kafka) throws Exception {
        TopicCatalog catalog = kafka.catalog(1);
        for (int i = 0; i < 30; i++) {
            kafka.produce(catalog.labels(), "k" + i, dev.glimpse.contracts.events.Label.newBuilder().setImageId("k" + i).build());
        }
        PrometheusMeterRegistry registry = MetricsServer.newRegistry("test");
        // Given a consumer that fetches at most 10 records per poll
        try (Consumer<byte[], byte[]> consumer = kafka.clients().consumer(kafka.groupId("lag"), "lag-reader",
                new org.apache.kafka.common.serialization.ByteArrayDeserializer(),
                new org.apache.kafka.common.serialization.ByteArrayDeserializer(),
                java.util.Map.of("max.poll.records", 10));
             AutoCloseable meters = KafkaClientMeters.bind(registry, consumer, "test")) {
            consumer.subscribe(List.of(catalog.labels().name()));
            // When it has polled once (fetched some records, 30 - fetched remain)
            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> !consumer.poll(Duration.ofMillis(200)).isEmpty());

            // Then the lag gauge shows the records it has not consumed yet
            double lag = registry.get(KafkaClientMeters.CONSUMER_LAG).tags("stage", "test").gauge().value();
            assertEquals(KafkaClientMeters.recordsLagMax(consumer), lag);
            assertTrue(lag >= 1 && lag <= 30, "lag " + lag);
            assertTrue(registry.scrape().contains("glimpse_consumer_lag_records{client=\"lag-reader\",service=\"test\",stage=\"test\"}"));
        }
    }
}
