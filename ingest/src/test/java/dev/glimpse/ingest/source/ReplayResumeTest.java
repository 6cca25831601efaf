package dev.glimpse.ingest.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glimpse.contracts.TopicCatalog;
import dev.glimpse.contracts.events.ImageEvent;
import dev.glimpse.contracts.events.IngestPosition;
import dev.glimpse.contracts.events.Label;
import dev.glimpse.ingest.IngestConfig;
import dev.glimpse.ingest.IngestService;
import dev.glimpse.platform.metrics.MetricsServer;
import dev.glimpse.platform.testing.KafkaBrokerExtension;
import dev.glimpse.platform.testing.KafkaTestContext;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(KafkaBrokerExtension.class)
class ReplayResumeTest {

    private static IngestService start(KafkaTestContext kafka, double rate, long limit) {
        IngestService service = new IngestService(IngestConfig.parse(Map.of(
                "bootstrap.servers", kafka.bootstrapServers(),
                "topics.prefix", kafka.topicPrefix(),
                IngestConfig.HTTP_PORT, -1,
                IngestConfig.DATASET, "shapes",
                IngestConfig.RATE, rate,
                IngestConfig.LIMIT, limit,
                IngestConfig.FEEDBACK_FRACTION, 0.3)), MetricsServer.newRegistry("ingest"));
        service.start();
        return service;
    }

    @Test
    void shouldPublishEachImageExactlyOnceWhenAReplayIsTakenOverMidway(KafkaTestContext kafka) throws Exception {
        TopicCatalog catalog = kafka.catalog();
        DatasetReplay.Stats stats;
        // Given a replay of 400 shapes that has published about 150 of them
        try (IngestService first = start(kafka, 400, 400)) {
            DatasetReplay firstReplay = first.replay().orElseThrow();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (firstReplay.progress() < 150 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertTrue(firstReplay.progress() >= 150 && firstReplay.progress() < 400, "midway: " + firstReplay.progress());

            // When a second ingest with the same replay starts while the first still runs (as after a crash: the
            // first never commits again, its open transaction is aborted by the second's start)
            try (IngestService second = start(kafka, 0, 400)) {
                stats = second.replay().orElseThrow().done().get(120, TimeUnit.SECONDS);
            }
            // the first, fenced, stops with an error instead of publishing anything more
            assertTrue(firstReplay.done().handle((s, e) -> e != null).get(30, TimeUnit.SECONDS), "first replay fenced");
        }

        // Then the run's 400 images are on the topic once each, with the ids <run>:0 .. <run>:399
        List<ConsumerRecord<String, ImageEvent>> images = kafka.readAll(catalog.images());
        List<String> ids = images.stream().map(ConsumerRecord::key).toList();
        Set<String> expected = LongStream.range(0, 400).mapToObj(i -> "shapes.r1:" + i).collect(Collectors.toSet());
        assertEquals(expected, new HashSet<>(ids));
        assertEquals(400, ids.size(), "no image published twice");
        // and the resumed replay counts the whole run (the events before the take-over included)
        assertEquals(400, stats.published());
        // and each label (sampled per event index, the same decision before and after) once, for a published image
        List<String> labels = kafka.readAll(catalog.labels()).stream().map(ConsumerRecord<String, Label>::key).toList();
        assertEquals(labels.size(), new HashSet<>(labels).size(), "no label sent twice");
        assertEquals(stats.labels(), labels.size());
        assertTrue(expected.containsAll(labels));
        // and the position says the run is complete
        IngestPosition position = SourcePositions.read(kafka.clients(), catalog.ingestState(), k -> true, Duration.ofSeconds(30))
                .get("replay:shapes:test");
        assertTrue(position.getComplete());
        assertEquals(400, position.getNextIndex());
    }

    @Test
    void shouldStartANewRunAfterACompleteOne(KafkaTestContext kafka) throws Exception {
        TopicCatalog catalog = kafka.catalog();
        // Given a complete replay of 20 images
        try (IngestService first = start(kafka, 0, 20)) {
            assertEquals(20, first.replay().orElseThrow().done().get(60, TimeUnit.SECONDS).published());
        }
        // When the same replay is started again
        try (IngestService second = start(kafka, 0, 20)) {
            assertEquals(20, second.replay().orElseThrow().done().get(60, TimeUnit.SECONDS).published());
            assertEquals("shapes.r2", second.replay().orElseThrow().currentRun().orElseThrow().getRunId());
        }
        // Then it is a second run with its own ids: 40 distinct images
        Set<String> ids = kafka.readAll(catalog.images()).stream().map(ConsumerRecord::key).collect(Collectors.toSet());
        assertEquals(40, ids.size());
        assertTrue(ids.contains("shapes.r1:19") && ids.contains("shapes.r2:0"), ids.toString());
    }
}
