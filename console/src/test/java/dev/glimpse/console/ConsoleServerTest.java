package dev.glimpse.console;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import dev.glimpse.contracts.TopicCatalog;
import dev.glimpse.contracts.events.Artifact;
import dev.glimpse.contracts.events.ClassScore;
import dev.glimpse.contracts.events.DeadLetter;
import dev.glimpse.contracts.events.Explanation;
import dev.glimpse.contracts.events.ImageEvent;
import dev.glimpse.contracts.events.Label;
import dev.glimpse.contracts.events.ModelAnnouncement;
import dev.glimpse.contracts.events.Prediction;
import dev.glimpse.registry.artifacts.ArtifactId;
import dev.glimpse.registry.artifacts.ArtifactStore;
import dev.glimpse.platform.testing.KafkaBrokerExtension;
import dev.glimpse.platform.testing.KafkaTestContext;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(KafkaBrokerExtension.class)
class ConsoleServerTest {

    private static final String TOKEN = "s3cret-token";
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final ObjectMapper json = new ObjectMapper();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    @TempDir
    Path dir;

    private HttpResponse<byte[]> get(ConsoleServer c, String rawPath) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + c.port() + rawPath)).GET().build(),
                HttpResponse.BodyHandlers.ofByteArray());
    }

    private HttpResponse<String> post(ConsoleServer c, String path, String body, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + c.port() + path))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private ConsoleServer start(KafkaTestContext kafka, ArtifactStore store, String token) throws Exception {
        ConsoleConfig cfg = ConsoleConfig.defaults(kafka.bootstrapServers(), kafka.catalog(), 0, null).withToken(token);
        ConsoleServer c = new ConsoleServer(cfg, store, null, registry);
        c.start();
        return c;
    }

    @Test
    void shouldRefuseCrossSiteWritesPlainTextBodiesAndSpoofedHosts(KafkaTestContext kafka) throws Exception {
        ArtifactStore store = new ArtifactStore(dir.resolve("csrf"), ArtifactStore.Limits.defaults());
        String token = "console-csrf-token";
        try (ConsoleServer c = start(kafka, store, token)) {
            URI evict = URI.create("http://127.0.0.1:" + c.port() + "/api/admin/evict");
            // a page elsewhere posting text/plain (a "simple" request a browser sends without preflight)
            assertEquals(403, send(HttpRequest.newBuilder(evict).header("Origin", "http://evil.example")
                    .header("Content-Type", "text/plain").POST(HttpRequest.BodyPublishers.ofString("{}"))));
            // even with the token, JSON from a foreign origin is refused
            assertEquals(403, send(HttpRequest.newBuilder(evict).header("Origin", "http://evil.example")
                    .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{}"))));
            // same origin, token, but not JSON: 415
            assertEquals(415, send(HttpRequest.newBuilder(evict).header("Authorization", "Bearer " + token)
                    .header("Content-Type", "text/plain").POST(HttpRequest.BodyPublishers.ofString("{}"))));
            // the token in the query string counts for nothing
            assertEquals(401, send(HttpRequest.newBuilder(URI.create(evict + "?token=" + token))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{}"))));
            // the console's own page: same origin, token, JSON
            assertEquals(200, send(HttpRequest.newBuilder(evict).header("Origin", "http://127.0.0.1:" + c.port())
                    .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{}"))));
            // a DNS-rebinding page reaches 127.0.0.1 under its own name: refused even for reads
            try (java.net.Socket s = new java.net.Socket("127.0.0.1", c.port())) {
                s.setSoTimeout(10_000);
                s.getOutputStream().write(("GET /api/meta HTTP/1.1\r\nHost: rebind.evil.example:" + c.port()
                        + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                String status = new String(s.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
                assertEquals("HTTP/1.1 403", status);
            }
            assertEquals(200, send(HttpRequest.newBuilder(URI.create("http://localhost:" + c.port() + "/api/meta")).GET()));
        }
    }

    private int send(HttpRequest.Builder request) throws Exception {
        return http.send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    @Test
    void shouldRequireTheBearerTokenOnWriteEndpointsAndPublishTheLabel(KafkaTestContext kafka) throws Exception {
        // Given a console with a token and a prediction in its gallery
        TopicCatalog catalog = kafka.catalog();
        ArtifactStore store = new ArtifactStore(dir.resolve("art"), ArtifactStore.Limits.defaults());
        try (ConsoleServer console = start(kafka, store, TOKEN)) {
            kafka.produce(catalog.predictions(), "img-1", Prediction.newBuilder().setImageId("img-1").setModelName("m")
                    .setModelVersion("1").setLabel(-1)
                    .addTopK(ClassScore.newBuilder().setClassIndex(2).setClassName("circle").setProbability(0.7f))
                    .addTopK(ClassScore.newBuilder().setClassIndex(0).setClassName("square").setProbability(0.2f)).build());
            Awaitility.await().atMost(20, TimeUnit.SECONDS).until(() -> json.readTree(get(console, "/api/cards").body()).size() == 1);
            String body = "{\"imageId\":\"img-1\",\"label\":0}";

            // When a label is posted without a token, with a wrong one, and with the right one
            HttpResponse<String> none = post(console, "/api/labels", body, null);
            HttpResponse<String> wrong = post(console, "/api/labels", body, "not-the-token");
            HttpResponse<String> right = post(console, "/api/labels", body, TOKEN);

            // Then only the last is accepted, and exactly one Label event is on the topic
            assertEquals(401, none.statusCode());
            assertTrue(none.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Bearer"));
            assertEquals(401, wrong.statusCode());
            assertEquals(202, right.statusCode(), right.body());
            List<ConsumerRecord<String, Label>> labels = kafka.consume(catalog.labels(), 1, Duration.ofSeconds(20));
            assertEquals(1, labels.size());
            assertEquals("img-1", labels.get(0).key());
            assertEquals(0, labels.get(0).value().getLabel());
            assertEquals("console", labels.get(0).value().getSource());
            // admin endpoints are guarded the same way
            assertEquals(401, post(console, "/api/admin/evict", "{}", null).statusCode());
            assertEquals(200, post(console, "/api/admin/evict", "{}", TOKEN).statusCode());
            // bad labels are refused with a reason
            HttpResponse<String> bad = post(console, "/api/labels", "{\"imageId\":\"img-1\",\"label\":-3}", TOKEN);
            assertEquals(400, bad.statusCode());
            assertTrue(bad.body().contains("label"), bad.body());
            // a card can be filtered by class, confidence and misclassification
            JsonNode low = json.readTree(get(console, "/api/cards?below=0.8").body());
            assertEquals(1, low.size());
            assertEquals(0, json.readTree(get(console, "/api/cards?below=0.5").body()).size());
            Awaitility.await().atMost(20, TimeUnit.SECONDS)
                    .until(() -> json.readTree(get(console, "/api/cards?misclassified=true").body()).size() == 1);
            assertEquals(1, json.readTree(get(console, "/api/cards?class=2").body()).size());
        }
    }

    @Test
    void shouldRefuseLabelsOutsideTheServingModelsClassesWithADeadLetter(KafkaTestContext kafka) throws Exception {
        // Given a console that has seen a promoted 3-class model announced
        TopicCatalog catalog = kafka.catalog();
        ArtifactStore store = new ArtifactStore(dir.resolve("labels"), ArtifactStore.Limits.defaults());
        try (ConsoleServer console = start(kafka, store, TOKEN)) {
            // before any announcement any class index goes (nothing says how many classes there are)
            assertEquals(202, post(console, "/api/labels", "{\"imageId\":\"img-0\",\"label\":7}", TOKEN).statusCode());
            kafka.produce(catalog.models(), "shapes", ModelAnnouncement.newBuilder().setModelName("shapes").setVersion("4")
                    .setState(ModelAnnouncement.State.PROMOTED).setNumClasses(3).setAnnouncedAtMs(1_000).build());
            String outside = "{\"imageId\":\"img-7\",\"label\":3}";
            Awaitility.await().atMost(20, TimeUnit.SECONDS)
                    .until(() -> post(console, "/api/labels", outside, TOKEN).statusCode() == 400);

            // When a label outside the classes, a negative one and one without a valid id are posted
            HttpResponse<String> refused = post(console, "/api/labels", outside, TOKEN);
            HttpResponse<String> negative = post(console, "/api/labels", "{\"imageId\":\"img-8\",\"label\":-1}", TOKEN);
            HttpResponse<String> noId = post(console, "/api/labels", "{\"imageId\":\"../x\",\"label\":1}", TOKEN);
            HttpResponse<String> inside = post(console, "/api/labels", "{\"imageId\":\"img-9\",\"label\":2}", TOKEN);

            // Then each is a 400 naming the problem, with a bad-label dead letter carrying the request body
            assertEquals(400, refused.statusCode());
            assertTrue(refused.body().contains("0..2") && refused.body().contains("shapes v4"), refused.body());
            assertEquals(400, negative.statusCode());
            assertEquals(400, noId.statusCode());
            assertEquals(202, inside.statusCode(), inside.body());
            // (the wait's own first 400 for img-7, then the three refusals: four dead letters, no more)
            List<ConsumerRecord<String, DeadLetter>> letters = kafka.consume(catalog.deadletter(), 4, Duration.ofSeconds(20));
            assertEquals(4, letters.size());
            List<DeadLetter> values = letters.stream().map(ConsumerRecord::value).toList();
            assertTrue(values.stream().allMatch(d -> d.getReason().equals("bad-label") && d.getStage().equals("console")),
                    values.toString());
            DeadLetter first = values.stream().filter(d -> d.getImageId().equals("img-7")).findFirst().orElseThrow();
            assertEquals(outside, first.getOriginalValue().toStringUtf8());
            assertTrue(first.getDetail().contains("outside the classes 0..2"), first.getDetail());
            assertTrue(values.stream().anyMatch(d -> d.getImageId().equals("img-8")), values.toString());
            assertTrue(values.stream().anyMatch(d -> d.getImageId().isEmpty() && d.getDetail().contains("imageId")),
                    values.toString());
            double counted = registry.counter("glimpse.deadletter", "stage", "console", "reason", "bad-label").count();
            assertEquals(letters.size(), (int) counted);
        }
    }

    @Test
    void shouldReportRunningFromStartUntilClose(KafkaTestContext kafka) throws Exception {
        // the demo stops when a service reports it is not running
        ArtifactStore store = new ArtifactStore(dir.resolve("art"), ArtifactStore.Limits.defaults());
        ConsoleServer console = start(kafka, store, null);
        assertTrue(console.isRunning());
        console.close();
        assertFalse(console.isRunning());
    }

    @Test
    void shouldAcceptWritesWithoutATokenWhenNoneIsConfigured(KafkaTestContext kafka) throws Exception {
        ArtifactStore store = new ArtifactStore(dir.resolve("art"), ArtifactStore.Limits.defaults());
        try (ConsoleServer console = start(kafka, store, null)) {
            assertEquals(202, post(console, "/api/labels", "{\"imageId\":\"a\",\"label\":1}", null).statusCode());
        }
    }

    @Test
    void shouldServeArtifactsOnlyByValidatedIds(KafkaTestContext kafka) throws Exception {
        // Given a stored artifact and a secret file next to the store
        ArtifactStore store = new ArtifactStore(dir.resolve("art"), ArtifactStore.Limits.defaults());
        byte[] png = {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3};
        ArtifactId id = store.put(png, "png");
        Files.writeString(dir.resolve("secret.txt"), "secret");
        try (ConsoleServer console = start(kafka, store, TOKEN)) {
            // When it is fetched by its id, Then the bytes come back as image/png
            HttpResponse<byte[]> ok = get(console, "/artifacts/" + id.id());
            assertEquals(200, ok.statusCode());
            assertArrayEquals(png, ok.body());
            assertEquals("image/png", ok.headers().firstValue("Content-Type").orElse(""));
            // and traversal attempts, encoded or not, are refused before touching the filesystem
            for (String attempt : List.of("/artifacts/..%2f..%2fsecret.txt", "/artifacts/%2e%2e%2f%2e%2e%2fsecret.txt",
                    "/artifacts/../secret.txt", "/artifacts/%2Fetc%2Fpasswd", "/artifacts/" + id.id() + "%00.txt",
                    "/images/..%2f..%2fetc%2fpasswd", "/images/%2e%2e")) {
                HttpResponse<byte[]> r = get(console, attempt);
                assertEquals(400, r.statusCode(), attempt + " gave " + r.statusCode());
                assertTrue(!new String(r.body(), StandardCharsets.UTF_8).contains("secret\""), attempt);
            }
            // a well-formed id that was never stored is a 404
            assertEquals(404, get(console, "/artifacts/" + "0".repeat(64) + ".png").statusCode());
        }
    }

    @Test
    void shouldStreamCardsWithExplanationArtifactsOverServerSentEvents(KafkaTestContext kafka) throws Exception {
        // Given a subscriber on the event stream
        TopicCatalog catalog = kafka.catalog();
        ArtifactStore store = new ArtifactStore(dir.resolve("art"), ArtifactStore.Limits.defaults());
        ArtifactId heat = store.put(new byte[] {1, 2, 3}, "png");
        try (ConsoleServer console = start(kafka, store, null)) {
            HttpResponse<java.io.InputStream> sse = http.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + console.port() + "/api/events")).GET().build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            assertEquals("text/event-stream; charset=utf-8", sse.headers().firstValue("Content-Type").orElse(""));
            BufferedReader reader = new BufferedReader(new InputStreamReader(sse.body(), StandardCharsets.UTF_8));

            // When an image, its prediction and its explanation are published
            kafka.produce(catalog.images(), "img-7", ImageEvent.newBuilder().setImageId("img-7").setContentType("image/png")
                    .setData(ByteString.copyFrom(new byte[] {9, 9})).build());
            kafka.produce(catalog.predictions(), "img-7", Prediction.newBuilder().setImageId("img-7").setModelName("m")
                    .setModelVersion("3").addTopK(ClassScore.newBuilder().setClassIndex(1).setProbability(0.9f)).build());
            kafka.produce(catalog.explanations(), "img-7", Explanation.newBuilder().setImageId("img-7").setModelName("m")
                    .setModelVersion("3").addArtifacts(Artifact.newBuilder().setMethod("gradcam").setImageUri(heat.uri())).build());

            // Then a card event arrives whose gradcam image URL serves the artifact
            String gradcamUrl = null;
            long deadline = System.currentTimeMillis() + 20_000;
            while (gradcamUrl == null && System.currentTimeMillis() < deadline) {
                String line = reader.readLine();
                if (line != null && line.startsWith("data: ")) {
                    JsonNode card = json.readTree(line.substring(6));
                    if (card.path("artifacts").has("gradcam")) {
                        gradcamUrl = card.path("artifacts").path("gradcam").path("image").asText();
                    }
                }
            }
            assertEquals("/artifacts/" + heat.id(), gradcamUrl);
            assertEquals(200, get(console, gradcamUrl).statusCode());
            assertArrayEquals(new byte[] {9, 9}, get(console, "/images/img-7").body());
            sse.body().close();
            // the pages and their scripts are served by the console itself
            String page = new String(get(console, "/").body(), StandardCharsets.UTF_8);
            assertTrue(page.contains("/static/console.js") && !page.contains("http://") && !page.contains("https://"));
            assertEquals(200, get(console, "/static/console.js").statusCode());
            assertEquals(200, get(console, "/model").statusCode());
        }
    }
}
