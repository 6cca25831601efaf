package dev.glimpse.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.glimpse.contracts.TopicCatalog;
import dev.glimpse.contracts.events.DeadLetter;
import dev.glimpse.contracts.events.ImageEvent;
import dev.glimpse.platform.metrics.MetricsServer;
import dev.glimpse.platform.testing.KafkaBrokerExtension;
import dev.glimpse.platform.testing.KafkaTestContext;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A client-chosen image id over real HTTP: reused with the same bytes it is a retry (the first answer again, one
 * record on {@code images}); reused with other bytes or another label it is refused with 409 and a dead letter
 * naming the id — within the window of {@code ingest.ids.remembered} ids.
 */
@ExtendWith(KafkaBrokerExtension.class)
class ImageIdReuseTest {

    private final HttpClient http = HttpClient.newHttpClient();
    private final ObjectMapper json = new ObjectMapper();

    private HttpResponse<String> upload(URI base, String query, byte[] image) throws Exception {
        return http.send(HttpRequest.newBuilder(base.resolve("/v1/images?" + query))
                .header("Authorization", "Bearer " + IngestServiceTest.TOKEN).header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.ofByteArray(image)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void shouldAnswerARetryAsTheFirstUploadAndRefuseOtherContentUnderATakenIdWith409(KafkaTestContext kafka) throws Exception {
        TopicCatalog catalog = kafka.catalog();
        try (IngestService service = IngestServiceTest.start(kafka, MetricsServer.newRegistry("ingest"), Map.of())) {
            URI base = service.httpUri().orElseThrow();

            // Given an image uploaded under a client-chosen id
            HttpResponse<String> first = upload(base, "imageId=client-7&label=3", ImageSamples.grayPng());
            assertEquals(201, first.statusCode(), first.body());

            // When the same bytes and label come again (a retry), then other bytes, then the same bytes with another label
            HttpResponse<String> retry = upload(base, "imageId=client-7&label=3", ImageSamples.grayPng());
            HttpResponse<String> other = upload(base, "imageId=client-7&label=3", ImageSamples.rgbPng());
            HttpResponse<String> relabel = upload(base, "imageId=client-7&label=5", ImageSamples.grayPng());

            // Then the retry gets the first answer, the two others 409 with a reason naming the id
            assertEquals(201, retry.statusCode(), retry.body());
            assertEquals(json.readTree(first.body()), json.readTree(retry.body()));
            for (HttpResponse<String> refused : List.of(other, relabel)) {
                assertEquals(409, refused.statusCode(), refused.body());
                JsonNode body = json.readTree(refused.body());
                assertEquals("id-conflict", body.get("reason").asText());
                assertEquals("client-7", body.get("imageId").asText());
                assertTrue(body.get("detail").asText().contains("'client-7' is already taken"), body.toString());
            }
            assertTrue(json.readTree(other.body()).get("detail").asText().contains("different content"));
            assertTrue(json.readTree(relabel.body()).get("detail").asText().contains("label 3"));

            // and the topic holds the first image only, the dead letters the two refusals with their bytes
            HttpResponse<String> marker = upload(base, "imageId=after", ImageSamples.rgbJpeg());
            assertEquals(201, marker.statusCode());
            Awaitility.await().until(() -> kafka.readAll(catalog.images()).size() >= 2);
            List<ConsumerRecord<String, ImageEvent>> images = kafka.readAll(catalog.images());
            assertEquals(2, images.size(), "nothing published twice");
            ImageEvent kept = images.stream().filter(r -> r.key().equals("client-7")).findFirst().orElseThrow().value();
            assertEquals(3, kept.getLabel());
            assertEquals(ImageSamples.grayPng().length, kept.getData().size());
            List<DeadLetter> letters = kafka.readAll(catalog.deadletter()).stream().map(ConsumerRecord::value).toList();
            assertEquals(2, letters.size(), letters.toString());
            for (DeadLetter letter : letters) {
                assertEquals("id-conflict", letter.getReason());
                assertEquals("client-7", letter.getImageId());
                assertEquals("ingest", letter.getStage());
            }
            // one key, one partition: in the order refused
            assertEquals(ImageSamples.rgbPng().length, letters.get(0).getOriginalValue().size());
            assertEquals(ImageSamples.grayPng().length, letters.get(1).getOriginalValue().size());
        }
    }

    @Test
    void shouldProtectIdsOnlyWithinTheWindowItRemembers(KafkaTestContext kafka) throws Exception {
        // Given ingest remembering 2 ids
        try (IngestService service = IngestServiceTest.start(kafka, MetricsServer.newRegistry("ingest"),
                Map.of(IngestConfig.IDS_REMEMBERED, 2))) {
            URI base = service.httpUri().orElseThrow();
            assertEquals(201, upload(base, "imageId=a", ImageSamples.grayPng()).statusCode());
            assertEquals(409, upload(base, "imageId=a", ImageSamples.rgbPng()).statusCode(), "remembered: refused");
            // When two more ids are taken, "a" is the least recently used and is forgotten
            assertEquals(201, upload(base, "imageId=b", ImageSamples.grayPng()).statusCode());
            assertEquals(201, upload(base, "imageId=c", ImageSamples.grayPng()).statusCode());
            // Then other bytes under "a" are not recognised any more (the documented limit of the protection)
            assertEquals(201, upload(base, "imageId=a", ImageSamples.rgbPng()).statusCode());
        }
    }
}
