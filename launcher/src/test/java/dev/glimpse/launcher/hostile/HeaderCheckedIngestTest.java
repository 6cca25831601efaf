package dev.glimpse.launcher.hostile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.glimpse.contracts.TopicCatalog;
import dev.glimpse.contracts.events.DeadLetter;
import dev.glimpse.contracts.events.Prediction;
import dev.glimpse.ingest.IngestConfig;
import dev.glimpse.ingest.IngestService;
import dev.glimpse.inference.InferenceConfig;
import dev.glimpse.inference.InferenceWorker;
import dev.glimpse.platform.config.PlatformConfig;
import dev.glimpse.platform.http.BearerAuth;
import dev.glimpse.platform.testing.KafkaBrokerExtension;
import dev.glimpse.platform.testing.KafkaTestContext;
import dev.glimpse.runtime.ExecutionDevice;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Ingest reads an upload's header and file structure only (bombs refused there, by their header); the pixels are
 * decoded once, by the inference worker. So an image whose header and chunk CRCs are valid but whose compressed
 * pixel data is garbage is taken by ingest (201) and dead-lettered by the worker with reason {@code undecodable},
 * while the good uploads around it are predicted.
 */
@ExtendWith(KafkaBrokerExtension.class)
class HeaderCheckedIngestTest {

    private static final Path MODEL = Path.of("..", "models", "fashion-mnist-first-five", "model.onnx");
    private static final String TOKEN = "header-check-token";

    @Test
    void shouldLetTheWorkerDeadLetterCorruptPixelsBehindAValidHeader(KafkaTestContext kafka) throws Exception {
        TopicCatalog catalog = kafka.catalog();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        Map<String, Object> ingestKeys = new HashMap<>(Map.of(PlatformConfig.BOOTSTRAP_SERVERS, kafka.bootstrapServers(),
                PlatformConfig.TOPIC_PREFIX, kafka.topicPrefix(), PlatformConfig.METRICS_PORT, "-1",
                IngestConfig.HTTP_PORT, "0", IngestConfig.RESULTS, "false", BearerAuth.TOKEN, TOKEN));
        try (InferenceWorker inference = new InferenceWorker(InferenceConfig.builder()
                     .bootstrapServers(kafka.bootstrapServers()).groupId(kafka.groupId("inference")).workerId("header-0")
                     .model(MODEL).device(ExecutionDevice.CPU).followModels(false).build(), catalog, registry);
             IngestService ingest = new IngestService(IngestConfig.parse(ingestKeys), registry)) {
            inference.start();
            ingest.start();
            assertTrue(inference.awaitAssignment(Duration.ofSeconds(60)), "the worker joined its group");
            URI images = ingest.httpUri().orElseThrow().resolve("/v1/images");

            // Given good uploads around one whose zlib pixel stream is scrambled (header and CRCs recomputed, valid)
            List<String> good = new ArrayList<>();
            good.add(upload(images, png(0)));
            String corrupt = upload(images, corruptPixels(png(1)));
            good.add(upload(images, png(2)));

            // Then the worker dead-letters the corrupt one, naming why, and predicts each good one once
            Awaitility.await().atMost(Duration.ofSeconds(90)).until(() -> kafka.readAll(catalog.deadletter()).stream()
                    .anyMatch(r -> r.value().getImageId().equals(corrupt)));
            List<DeadLetter> letters = kafka.readAll(catalog.deadletter()).stream().map(ConsumerRecord::value).toList();
            assertEquals(1, letters.size(), "one dead letter, the worker's: " + letters);
            DeadLetter letter = letters.get(0);
            assertEquals("inference", letter.getStage());
            assertEquals("undecodable", letter.getReason());
            assertTrue(letter.getDetail().contains("decod"), letter.getDetail());
            Awaitility.await().atMost(Duration.ofSeconds(90)).until(() -> kafka.readAll(catalog.predictions()).size() >= 2);
            Set<String> predicted = kafka.readAll(catalog.predictions()).stream().map(ConsumerRecord::value)
                    .map(Prediction::getImageId).collect(Collectors.toSet());
            assertEquals(Set.copyOf(good), predicted, "the good uploads, and only them, are predicted");
        }
    }

    private static String upload(URI images, byte[] png) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(images)
                .header("Authorization", "Bearer " + TOKEN).header("Content-Type", "image/png")
                .POST(HttpRequest.BodyPublishers.ofByteArray(png)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(201, r.statusCode(), "ingest reads the header only: " + r.body());
        return new ObjectMapper().readTree(r.body()).get("imageId").asText();
    }

    private static byte[] png(int i) throws Exception {
        BufferedImage img = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 4 + i; y < 20; y++) {
            for (int x = 5; x < 22; x++) {
                img.getRaster().setSample(x, y, 0, 60 * (i + 1));
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "png", out);
        return out.toByteArray();
    }

    /** The PNG with its IDAT data XOR-ed and the chunk's CRC recomputed: only a decoder can tell. */
    private static byte[] corruptPixels(byte[] png) {
        int pos = 8;
        while (pos < png.length) {
            int length = ByteBuffer.wrap(png, pos, 4).getInt();
            if (new String(png, pos + 4, 4, StandardCharsets.US_ASCII).equals("IDAT")) {
                for (int i = pos + 8; i < pos + 8 + length; i++) {
                    png[i] = (byte) (png[i] ^ 0x5A);
                }
                CRC32 crc = new CRC32();
                crc.update(png, pos + 4, 4 + length);
                ByteBuffer.wrap(png, pos + 8 + length, 4).putInt((int) crc.getValue());
                return png;
            }
            pos += 12 + length;
        }
        throw new IllegalStateException("no IDAT");
    }
}
