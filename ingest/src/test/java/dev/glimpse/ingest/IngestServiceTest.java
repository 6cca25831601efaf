package dev.glimpse.ingest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.glimpse.contracts.TopicCatalog;
import dev.glimpse.contracts.events.DeadLetter;
import dev.glimpse.contracts.events.ImageEvent;
import dev.glimpse.contracts.events.Label;
import dev.glimpse.platform.http.BearerAuth;
import dev.glimpse.platform.http.HttpSettings;
import dev.glimpse.platform.metrics.MetricsServer;
import dev.glimpse.platform.testing.KafkaBrokerExtension;
import dev.glimpse.platform.testing.KafkaTestContext;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** ingest over HTTP against a real embedded broker: good images reach {@code images}, bad ones {@code deadletter}. */
@ExtendWith(KafkaBrokerExtension.class)
class IngestServiceTest {

    private static final long MAX_BYTES = 256 * 1024;
    private final HttpClient http = HttpClient.newHttpClient();
    private final ObjectMapper json = new ObjectMapper();
    /** The write token of the services these tests start. */
    static final String TOKEN = "ingest-test-write-token";
    /** The console's origin in these tests: allowed to call ingest from a browser. */
    static final String CONSOLE_ORIGIN = "http://console.example:8080";

    static IngestService start(KafkaTestContext kafka, PrometheusMeterRegistry registry, Map<String, Object> extra) throws Exception {
        Map<String, Object> values = new HashMap<>(Map.of(
                "bootstrap.servers", kafka.bootstrapServers(),
                "topics.prefix", kafka.topicPrefix(),
                IngestConfig.HTTP_PORT, 0,
                HttpSettings.BIND, "127.0.0.1",
                IngestConfig.MAX_BYTES, MAX_BYTES,
                IngestConfig.NUM_CLASSES, 10,
                BearerAuth.TOKEN, TOKEN,
                HttpSettings.CORS_ORIGINS, CONSOLE_ORIGIN));
        values.putAll(extra);
        IngestService service = new IngestService(IngestConfig.parse(values), registry);
        service.start();
        return service;
    }

    record Sent(String kind, byte[] payload, int status, JsonNode response) {
    }

    private Sent post(URI uri, String kind, String contentType, byte[] body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .header("Authorization", "Bearer " + TOKEN);
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        return new Sent(kind, body, response.statusCode(), json.readTree(response.body()));
    }

    @Test
    void shouldPublishGoodImagesAndDeadLetterEachKindOfBadInputWithItsReason(KafkaTestContext kafka) throws Exception {
        PrometheusMeterRegistry registry = MetricsServer.newRegistry("ingest");
        TopicCatalog catalog = new TopicCatalog(kafka.topicPrefix(), TopicCatalog.DEFAULT_PARTITIONS);
        try (IngestService service = start(kafka, registry, Map.of())) {
            URI images = service.httpUri().orElseThrow().resolve("/v1/images");
            URI imagesWithLabel = service.httpUri().orElseThrow().resolve("/v1/images?label=4");
            URI imagesWithBadLabel = service.httpUri().orElseThrow().resolve("/v1/images?label=shirt");

            // Given a corpus of bad payloads, each with the reason it must be refused for
            Map<String, byte[]> bad = new LinkedHashMap<>();
            bad.put("truncated", ImageSamples.truncated(ImageSamples.grayPng(), 0.5));
            bad.put("truncated-jpeg", ImageSamples.truncated(ImageSamples.rgbJpeg(), 0.6));
            bad.put("empty", new byte[0]);
            bad.put("unsupported-format/text", ImageSamples.text());
            bad.put("too-many-pixels", ImageSamples.pngHeader(50_000, 50_000));
            bad.put("too-many-bytes", ImageSamples.garbage((int) MAX_BYTES + 10_000, 3));
            bad.put("unsupported-format/garbage", ImageSamples.garbage(3000, 4));
            bad.put("unsupported-format/gif", ImageSamples.gif());
            bad.put("unsupported-format/bmp", ImageSamples.bmp());
            bad.put("wrong-channels/cmyk", ImageSamples.cmykJpeg());
            bad.put("wrong-channels/16-bit", ImageSamples.sixteenBitPng());
            bad.put("undecodable/png-signature-garbage", ImageSamples.pngSignatureThenGarbage());

            // When good images are sent around every bad one (raw, multipart, with a label)
            List<Sent> good = new ArrayList<>();
            List<Sent> rejected = new ArrayList<>();
            good.add(post(images, "good", "image/png", ImageSamples.grayPng()));
            for (var entry : bad.entrySet()) {
                rejected.add(post(images, entry.getKey(), "application/octet-stream", entry.getValue()));
                good.add(post(imagesWithLabel, "good", "image/jpeg", ImageSamples.rgbJpeg()));
            }
            byte[] noFile = new dev.glimpse.ingest.http.MultipartTestAccess().formWithoutFile();
            rejected.add(post(images, "missing-image", dev.glimpse.ingest.http.MultipartTestAccess.contentType(), noFile));
            rejected.add(post(imagesWithBadLabel, "bad-label", "image/png", ImageSamples.grayPng()));
            rejected.add(post(service.httpUri().orElseThrow().resolve("/v1/images?label=12"), "bad-label/out-of-range",
                    "image/png", ImageSamples.grayPng()));
            // corrupt pixel data behind a valid header and valid chunk CRCs: ingest reads no pixel (the inference
            // worker's one decode dead-letters it, HeaderCheckedIngestTest), so it is taken like a good image
            good.add(post(images, "corrupt-pixels", "image/png", ImageSamples.corruptPixelDataPng()));
            byte[] form = new dev.glimpse.ingest.http.MultipartTestAccess().formWithFile(ImageSamples.rgbPng(), "7");
            good.add(post(images, "good-multipart", dev.glimpse.ingest.http.MultipartTestAccess.contentType(), form));

            // Then every good image got 201 and an id, every bad one a 4xx naming its reason
            for (Sent s : good) {
                assertEquals(201, s.status(), s.kind() + " " + s.response());
            }
            for (Sent s : rejected) {
                String expected = s.kind().split("/")[0].replace("truncated-jpeg", "truncated");
                assertTrue(s.status() >= 400 && s.status() < 500, s.kind() + " → " + s.status());
                assertEquals(expected, s.response().get("reason").asText(), s.kind() + " " + s.response());
                assertTrue(!s.response().get("detail").asText().isBlank());
            }
            assertTrue(rejected.size() >= 10, "at least 10 kinds of bad input");

            // and each bad payload is on deadletter with its reason and its original bytes
            List<ConsumerRecord<String, DeadLetter>> letters = kafka.consume(catalog.deadletter(), rejected.size(),
                    Duration.ofSeconds(30));
            assertEquals(rejected.size(), letters.size(), "one dead letter per bad payload, no more");
            Map<String, DeadLetter> byId = letters.stream().collect(Collectors.toMap(r -> r.value().getImageId(),
                    ConsumerRecord::value));
            for (Sent s : rejected) {
                DeadLetter letter = byId.get(s.response().get("imageId").asText());
                assertEquals(s.response().get("reason").asText(), letter.getReason(), s.kind());
                assertEquals("ingest", letter.getStage());
                if (s.kind().equals("too-many-bytes")) {
                    assertTrue(letter.getOriginalSize() > MAX_BYTES, "the size of what was read is recorded");
                } else if (s.kind().equals("bad-label") || s.kind().startsWith("bad-label")) {
                    assertArrayEquals(ImageSamples.grayPng(), letter.getOriginalValue().toByteArray(), s.kind());
                } else {
                    assertArrayEquals(s.payload(), letter.getOriginalValue().toByteArray(), s.kind() + " keeps the original bytes");
                }
            }

            // and exactly the good images are on images, with the header facts and labels
            List<ConsumerRecord<String, ImageEvent>> events = kafka.consume(catalog.images(), good.size(), Duration.ofSeconds(30));
            assertEquals(good.size(), events.size());
            Map<String, ImageEvent> eventsById = events.stream().collect(Collectors.toMap(ConsumerRecord::key, ConsumerRecord::value));
            assertEquals(good.stream().map(s -> s.response().get("imageId").asText()).collect(Collectors.toSet()),
                    eventsById.keySet());
            ImageEvent first = eventsById.get(good.get(0).response().get("imageId").asText());
            assertEquals("image/png", first.getContentType());
            assertEquals(28, first.getWidth());
            assertEquals(1, first.getChannels());
            assertEquals(-1, first.getLabel(), "no label given");
            assertEquals(4, eventsById.get(good.get(1).response().get("imageId").asText()).getLabel());
            ImageEvent multipart = eventsById.get(good.get(good.size() - 1).response().get("imageId").asText());
            assertEquals(7, multipart.getLabel());
            assertEquals("image/png", multipart.getContentType());
            assertArrayEquals(ImageSamples.rgbPng(), multipart.getData().toByteArray());

            // and the metrics count both
            assertEquals(good.size(), registry.get(Ingestor.EVENTS).tag("source", "http").counter().count());
            assertEquals(2.0, registry.get("glimpse.deadletter").tags("stage", "ingest", "reason", "truncated").counter().count());
            String scrape = registry.scrape();
            assertTrue(scrape.contains("glimpse_ingest_events_total{service=\"ingest\",source=\"http\"}"), scrape);
            assertTrue(scrape.contains("glimpse_ingest_http_requests_seconds_count{method=\"POST\",route=\"/v1/images\",service=\"ingest\",status=\"201\"}"));
        }
    }

    @Test
    void shouldPublishLabelsAndRefuseBadOnes(KafkaTestContext kafka) throws Exception {
        PrometheusMeterRegistry registry = MetricsServer.newRegistry("ingest");
        TopicCatalog catalog = new TopicCatalog(kafka.topicPrefix(), TopicCatalog.DEFAULT_PARTITIONS);
        try (IngestService service = start(kafka, registry, Map.of())) {
            URI labels = service.httpUri().orElseThrow().resolve("/v1/labels");

            Sent jsonLabel = post(labels, "json", "application/json",
                    "{\"imageId\":\"img-1\",\"label\":3,\"user\":\"ann\"}".getBytes());
            Sent queryLabel = post(service.httpUri().orElseThrow().resolve("/v1/labels?imageId=img-2&label=5"), "query", null, new byte[0]);
            Sent notANumber = post(labels, "nan", "application/json", "{\"imageId\":\"img-3\",\"label\":\"coat\"}".getBytes());
            Sent outOfRange = post(labels, "range", "application/json", "{\"imageId\":\"img-4\",\"label\":10}".getBytes());
            Sent noId = post(labels, "no-id", "application/json", "{\"label\":1}".getBytes());

            assertEquals(201, jsonLabel.status());
            assertEquals(201, queryLabel.status());
            // The console (an allow-listed origin) may call the API from a browser; no other page may
            HttpResponse<Void> preflight = http.send(HttpRequest.newBuilder(labels).header("Origin", CONSOLE_ORIGIN)
                    .method("OPTIONS", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.discarding());
            assertEquals(204, preflight.statusCode());
            assertEquals(CONSOLE_ORIGIN, preflight.headers().firstValue("Access-Control-Allow-Origin").orElse(""));
            HttpResponse<Void> foreign = http.send(HttpRequest.newBuilder(labels).header("Origin", "http://evil.example")
                    .method("OPTIONS", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.discarding());
            assertTrue(foreign.headers().firstValue("Access-Control-Allow-Origin").isEmpty(), "no wildcard CORS");
            for (Sent s : List.of(notANumber, outOfRange, noId)) {
                assertEquals(400, s.status(), s.kind());
                assertEquals("bad-label", s.response().get("reason").asText(), s.kind());
            }
            List<ConsumerRecord<String, Label>> published = kafka.consume(catalog.labels(), 2, Duration.ofSeconds(20));
            Map<String, Label> byId = published.stream().collect(Collectors.toMap(ConsumerRecord::key, ConsumerRecord::value));
            assertEquals(Set.of("img-1", "img-2"), byId.keySet());
            assertEquals(3, byId.get("img-1").getLabel());
            assertEquals("ann", byId.get("img-1").getUser());
            assertEquals("http", byId.get("img-1").getSource());
            assertEquals(5, byId.get("img-2").getLabel());
            assertEquals(3, kafka.consume(catalog.deadletter(), 3, Duration.ofSeconds(20)).size());
        }
    }

    @Test
    void shouldFailToStartWithAClearMessageWhenTheHttpPortIsTaken(KafkaTestContext kafka) throws Exception {
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            int port = taken.getLocalPort();
            java.io.UncheckedIOException e = org.junit.jupiter.api.Assertions.assertThrows(java.io.UncheckedIOException.class,
                    () -> start(kafka, MetricsServer.newRegistry("ingest"), Map.of(IngestConfig.HTTP_PORT, port)));
            assertTrue(e.getMessage().contains("cannot listen on 127.0.0.1:" + port), e.getMessage());
        }
    }

    static <T> Map<String, T> index(List<T> items, Function<T, String> key) {
        return items.stream().collect(Collectors.toMap(key, Function.identity()));
    }
}
