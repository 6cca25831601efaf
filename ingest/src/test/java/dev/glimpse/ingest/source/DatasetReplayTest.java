package dev.glimpse.ingest.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glimpse.contracts.TopicCatalog;
import dev.glimpse.contracts.events.ImageEvent;
import dev.glimpse.contracts.events.Label;
import dev.glimpse.datasets.FashionMnist;
import dev.glimpse.ingest.IngestConfig;
import dev.glimpse.ingest.IngestService;
import dev.glimpse.platform.metrics.MetricsServer;
import dev.glimpse.platform.testing.KafkaBrokerExtension;
import dev.glimpse.platform.testing.KafkaTestContext;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(KafkaBrokerExtension.class)
class DatasetReplayTest {

    private static IngestService start(KafkaTestContext kafka, PrometheusMeterRegistry registry, String dataset, double rate,
                                       long limit, double feedback) {
        IngestService service = new IngestService(IngestConfig.parse(Map.of(
                "bootstrap.servers", kafka.bootstrapServers(),
                "topics.prefix", kafka.topicPrefix(),
                IngestConfig.HTTP_PORT, -1,
                IngestConfig.DATASET, dataset,
                IngestConfig.RATE, rate,
                IngestConfig.LIMIT, limit,
                IngestConfig.FEEDBACK_FRACTION, feedback)), registry);
        service.start();
        return service;
    }

    @Test
    void shouldReplayShapesWithLabelsMasksAndSampledFeedback(KafkaTestContext kafka) throws Exception {
        TopicCatalog catalog = new TopicCatalog(kafka.topicPrefix(), TopicCatalog.DEFAULT_PARTITIONS);
        PrometheusMeterRegistry registry = MetricsServer.newRegistry("ingest");
        try (IngestService service = start(kafka, registry, "shapes", 0, 60, 0.25)) {
            // When 60 synthetic shapes are replayed as fast as possible
            DatasetReplay.Stats stats = service.replay().orElseThrow().done().get(60, TimeUnit.SECONDS);

            // Then all 60 are on images, each with its label and an object mask of width x height
            assertEquals(60, stats.published());
            assertEquals(0, stats.rejected());
            List<ConsumerRecord<String, ImageEvent>> images = kafka.consume(catalog.images(), 60, Duration.ofSeconds(30));
            assertEquals(60, images.size());
            for (ConsumerRecord<String, ImageEvent> r : images) {
                ImageEvent e = r.value();
                assertTrue(e.getLabel() >= 0 && e.getLabel() < 5, "label " + e.getLabel());
                assertEquals(e.getWidth() * e.getHeight(), e.getObjectMask().size());
                assertTrue(e.getObjectMask().toByteArray().length > 0);
                assertTrue(e.getSource().startsWith("replay:"), e.getSource());
                assertEquals("image/png", e.getContentType());
            }
            // and about a quarter of them also produced a Label event with the same label
            assertTrue(stats.labels() > 3 && stats.labels() < 30, "labels " + stats.labels());
            List<ConsumerRecord<String, Label>> labels = kafka.consume(catalog.labels(), (int) stats.labels(), Duration.ofSeconds(30));
            assertEquals(stats.labels(), labels.size());
            Map<String, Integer> truth = images.stream().collect(Collectors.toMap(ConsumerRecord::key, r -> r.value().getLabel()));
            for (ConsumerRecord<String, Label> l : labels) {
                assertEquals(truth.get(l.key()), l.value().getLabel(), "feedback label = image label");
                assertEquals("replay", l.value().getSource());
            }
            assertEquals(60.0, registry.get("glimpse.ingest.events").tag("source", "replay").counter().count());
        }
    }

    @Test
    void shouldHoldTheConfiguredRate(KafkaTestContext kafka) throws Exception {
        try (IngestService service = start(kafka, MetricsServer.newRegistry("ingest"), "shapes", 100, 31, 0)) {
            DatasetReplay.Stats stats = service.replay().orElseThrow().done().get(60, TimeUnit.SECONDS);

            // 31 events at 100/s: the last is due 300 ms after the first
            assertEquals(31, stats.published());
            assertTrue(stats.elapsedMs() >= 295, "elapsed " + stats.elapsedMs());
        }
    }

    @Test
    void shouldReplayFashionMnistTestImages(KafkaTestContext kafka) throws Exception {
        Assumptions.assumeTrue(FashionMnist.isAvailable(), "Fashion-MNIST is not installed under "
                + FashionMnist.DEFAULT_DIR + " (Debian package dataset-fashion-mnist)");
        TopicCatalog catalog = new TopicCatalog(kafka.topicPrefix(), TopicCatalog.DEFAULT_PARTITIONS);
        try (IngestService service = start(kafka, MetricsServer.newRegistry("ingest"), "fashion-mnist", 0, 20, 0)) {
            assertEquals(20, service.replay().orElseThrow().done().get(60, TimeUnit.SECONDS).published());
            List<ConsumerRecord<String, ImageEvent>> images = kafka.consume(catalog.images(), 20, Duration.ofSeconds(30));
            Set<String> shapes = images.stream().map(r -> r.value().getWidth() + "x" + r.value().getHeight() + "x"
                    + r.value().getChannels()).collect(Collectors.toSet());
            assertEquals(Set.of("28x28x1"), shapes);
            assertTrue(images.stream().allMatch(r -> r.value().getLabel() >= 0 && r.value().getLabel() < 10));
            assertTrue(images.stream().allMatch(r -> r.value().getObjectMask().isEmpty()), "no masks for Fashion-MNIST");
        }
    }
}
