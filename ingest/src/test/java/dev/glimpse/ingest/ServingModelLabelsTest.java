package dev.glimpse.ingest;

import dev.glimpse.platform.kafka.LabelRange;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.glimpse.contracts.TopicCatalog;
import dev.glimpse.contracts.events.DeadLetter;
import dev.glimpse.contracts.events.Label;
import dev.glimpse.contracts.events.ModelAnnouncement;
import dev.glimpse.platform.metrics.MetricsServer;
import dev.glimpse.platform.testing.KafkaBrokerExtension;
import dev.glimpse.platform.testing.KafkaTestContext;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Labels are checked against the serving model's classes, which ingest learns from the PROMOTED announcements on
 * {@code models} ({@code num_classes}): over real HTTP and the embedded broker, a label outside them is refused with
 * 400 naming the label and the range, and dead-lettered; a new promotion with more classes widens the range.
 */
@ExtendWith(KafkaBrokerExtension.class)
class ServingModelLabelsTest {

    private final HttpClient http = HttpClient.newHttpClient();
    private final ObjectMapper json = new ObjectMapper();

    private HttpResponse<String> label(URI base, String imageId, int label) throws Exception {
        return http.send(HttpRequest.newBuilder(base.resolve("/v1/labels"))
                .header("Authorization", "Bearer " + IngestServiceTest.TOKEN).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"imageId\":\"" + imageId + "\",\"label\":" + label + "}")).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static ModelAnnouncement promoted(String version, int classes, long at) {
        return ModelAnnouncement.newBuilder().setModelName("shirts").setVersion(version)
                .setState(ModelAnnouncement.State.PROMOTED).setNumClasses(classes).setAnnouncedAtMs(at).build();
    }

    @Test
    void shouldRefuseALabelOutsideTheServingModelsClassesWith400AndADeadLetter(KafkaTestContext kafka) throws Exception {
        TopicCatalog catalog = kafka.catalog();
        // Given ingest without a configured class count, and a promoted model of 5 classes announced on models
        try (IngestService service = IngestServiceTest.start(kafka, MetricsServer.newRegistry("ingest"),
                Map.of(IngestConfig.NUM_CLASSES, 0))) {
            URI base = service.httpUri().orElseThrow();
            kafka.produce(catalog.models(), "shirts", promoted("1", 5, 1_000));
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> label(base, "probe", 7).statusCode() == 400);

            // When labels are posted for an image: 7 (not a class of the model), 4 (one), and an upload labelled 6
            HttpResponse<String> outside = label(base, "img-9", 7);
            HttpResponse<String> inside = label(base, "img-9", 4);
            HttpResponse<String> upload = http.send(HttpRequest.newBuilder(base.resolve("/v1/images?imageId=img-10&label=6"))
                    .header("Authorization", "Bearer " + IngestServiceTest.TOKEN).header("Content-Type", "image/png")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(ImageSamples.grayPng())).build(), HttpResponse.BodyHandlers.ofString());

            // Then 7 and the upload are refused naming the label, the range and the model; 4 is published
            assertEquals(400, outside.statusCode(), outside.body());
            JsonNode refused = json.readTree(outside.body());
            assertEquals("bad-label", refused.get("reason").asText());
            String detail = refused.get("detail").asText();
            assertTrue(detail.contains("label 7") && detail.contains("0..4") && detail.contains("shirts v1"), detail);
            assertEquals(201, inside.statusCode(), inside.body());
            assertEquals(400, upload.statusCode(), upload.body());
            assertTrue(json.readTree(upload.body()).get("detail").asText().contains("label 6"), upload.body());

            // and each refusal is a dead letter of ingest naming the image and why
            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> kafka.readAll(catalog.deadletter()).stream()
                    .filter(r -> r.value().getImageId().startsWith("img-")).count() == 2);
            List<DeadLetter> letters = kafka.readAll(catalog.deadletter()).stream().map(ConsumerRecord::value)
                    .filter(d -> d.getImageId().startsWith("img-")).toList();
            for (DeadLetter d : letters) {
                assertEquals("bad-label", d.getReason());
                assertEquals("ingest", d.getStage());
                assertTrue(d.getDetail().contains("0..4"), d.getDetail());
            }
            assertEquals(List.of("img-10", "img-9"), letters.stream().map(DeadLetter::getImageId).sorted().toList());

            // When a version with 10 classes is promoted, 7 becomes a class
            kafka.produce(catalog.models(), "shirts", promoted("2", 10, 2_000));
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> label(base, "img-11", 7).statusCode() == 201);
            List<Label> published = kafka.readAll(catalog.labels()).stream().map(ConsumerRecord::value).toList();
            assertTrue(published.stream().anyMatch(l -> l.getImageId().equals("img-9") && l.getLabel() == 4), published.toString());
            assertTrue(published.stream().noneMatch(l -> l.getImageId().equals("img-9") && l.getLabel() == 7));
        }
    }

    @Test
    void shouldKeepTheConfiguredRangeWhenItIsWiderAndIgnoreAnnouncementsWithoutAClassCount() {
        // a deployment teaching new classes (the training service grows the model's head) configures them
        LabelRange range = LabelRange.fixed(10, IngestConfig.NUM_CLASSES);
        range.announced(promoted("1", 5, 1));
        assertTrue(range.accepts(9), "ingest.label.classes 10 wider than the model's 5");
        assertEquals(10, range.classes());
        LabelRange open = LabelRange.fixed(0, IngestConfig.NUM_CLASSES);
        open.announced(promoted("1", 0, 1)); // an older announcement: no class count
        assertTrue(open.accepts(999), "nothing known: any non-negative index");
        open.announced(promoted("2", 3, 2).toBuilder().setState(ModelAnnouncement.State.CANDIDATE).build());
        assertTrue(open.accepts(5), "a candidate does not serve");
        open.announced(promoted("3", 3, 3));
        assertTrue(!open.accepts(3) && open.accepts(2) && !open.accepts(-1));
        open.announced(promoted("0", 8, 0)); // an older announcement read after a newer one
        assertEquals(3, open.classes(), "the newest promotion counts");
    }
}
