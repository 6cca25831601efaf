package dev.glimpse.ingest.results;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.glimpse.contracts.TopicCatalog;
import dev.glimpse.contracts.events.ClassScore;
import dev.glimpse.contracts.events.Explanation;
import dev.glimpse.contracts.events.Artifact;
import dev.glimpse.contracts.events.FaithfulnessScores;
import dev.glimpse.contracts.events.ImageEvent;
import dev.glimpse.contracts.events.Prediction;
import dev.glimpse.contracts.events.Timings;
import dev.glimpse.ingest.ImageSamples;
import dev.glimpse.ingest.IngestConfig;
import dev.glimpse.ingest.IngestService;
import dev.glimpse.platform.http.BearerAuth;
import dev.glimpse.platform.config.StreamsKeys;
import dev.glimpse.platform.metrics.MetricsServer;
import dev.glimpse.platform.testing.KafkaBrokerExtension;
import dev.glimpse.platform.testing.KafkaTestContext;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The results API over real HTTP on the embedded broker. A responder thread stands in for the inference worker
 * (it reads {@code images} and writes a prediction per image to {@code predictions}); what is tested is ingest:
 * the synchronous answer within the wait, 202/404, and two instances answering for each other's keys.
 */
@ExtendWith(KafkaBrokerExtension.class)
class ResultsApiTest {

    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newHttpClient();
    private final ObjectMapper json = new ObjectMapper();

    /** Answers every image on {@code images} with a prediction of class 7 "sneaker", while {@code on} is set. */
    private static final class Responder implements AutoCloseable {
        final AtomicBoolean on = new AtomicBoolean(true);
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final Thread thread;

        Responder(KafkaTestContext kafka, TopicCatalog catalog) {
            thread = new Thread(() -> {
                try (Consumer<String, ImageEvent> images = kafka.clients().consumer(kafka.groupId("responder"), "responder",
                        catalog.images().keySerde().deserializer(), catalog.images().valueSerde().deserializer(),
                        Map.of("auto.offset.reset", "earliest"));
                     Producer<String, Prediction> out = kafka.clients().producer("responder", catalog.predictions())) {
                    images.subscribe(List.of(catalog.images().name()));
                    while (running.get()) {
                        if (!on.get()) {
                            Thread.sleep(50);
                            continue;
                        }
                        for (ConsumerRecord<String, ImageEvent> r : images.poll(Duration.ofMillis(100))) {
                            long now = System.currentTimeMillis();
                            out.send(new ProducerRecord<>(catalog.predictions().name(), r.key(), Prediction.newBuilder()
                                    .setImageId(r.value().getImageId()).setModelName("fashion").setModelVersion("3")
                                    .setIngestedAtMs(r.value().getIngestedAtMs()).setPredictedAtMs(now)
                                    .setTimings(Timings.newBuilder().setEndToEndMs(now - r.value().getIngestedAtMs()))
                                    .addTopK(ClassScore.newBuilder().setClassIndex(7).setClassName("sneaker").setProbability(0.93f))
                                    .addTopK(ClassScore.newBuilder().setClassIndex(5).setClassName("sandal").setProbability(0.05f))
                                    .build()));
                        }
                        out.flush();
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "responder");
            thread.setDaemon(true);
            thread.start();
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            thread.join(5000);
        }
    }

    /** The write token uploads need; the results are read with it or with the read token. */
    private static final String TOKEN = "results-api-test-token";
    private static final String READ_TOKEN = "results-api-test-read-token";

    private IngestService ingest(KafkaTestContext kafka, String name) throws Exception {
        Map<String, Object> values = new HashMap<>();
        values.put("bootstrap.servers", kafka.bootstrapServers());
        values.put("topics.prefix", kafka.topicPrefix());
        values.put(IngestConfig.HTTP_PORT, 0);
        values.put(StreamsKeys.STATE_DIR, dir.resolve(name).toString());
        values.put(StreamsKeys.COMMIT_INTERVAL, "100ms");
        values.put(IngestConfig.ARTIFACTS_URL, "http://console.example:8080");
        values.put(BearerAuth.TOKEN, TOKEN);
        values.put(BearerAuth.READ_TOKEN, READ_TOKEN);
        IngestService s = new IngestService(IngestConfig.parse(values), MetricsServer.newRegistry("ingest"));
        s.start();
        assertTrue(s.results().orElseThrow().awaitRunning(Duration.ofSeconds(60)), "results store running");
        return s;
    }

    private HttpResponse<String> post(URI base, String pathAndQuery, byte[] body) throws Exception {
        return http.send(HttpRequest.newBuilder(base.resolve(pathAndQuery)).POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .header("Content-Type", "image/png").header("Authorization", "Bearer " + TOKEN).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(URI base, String pathAndQuery) throws Exception {
        return get(base, pathAndQuery, READ_TOKEN);
    }

    private HttpResponse<String> get(URI base, String pathAndQuery, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(pathAndQuery)).GET();
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void shouldAnswerAPredictionWithinTheWaitThen202WhenItExpiresAndServeItByIdWithExplanations(KafkaTestContext kafka) throws Exception {
        TopicCatalog catalog = kafka.catalog();
        try (IngestService a = ingest(kafka, "a"); Responder responder = new Responder(kafka, catalog)) {
            URI base = a.httpUri().orElseThrow();
            // warm up the pipeline (consumer group of the responder, the replies feed)
            Awaitility.await().atMost(60, TimeUnit.SECONDS).until(() -> post(base, "/v1/images?wait=2000", ImageSamples.grayPng()).statusCode() == 200);

            // When an image is posted with wait=5000
            long t0 = System.nanoTime();
            HttpResponse<String> answered = post(base, "/v1/images?wait=5000", ImageSamples.grayPng());
            long tookMs = (System.nanoTime() - t0) / 1_000_000;

            // Then the prediction comes back in the body, within the wait
            assertEquals(200, answered.statusCode(), answered.body());
            JsonNode p = json.readTree(answered.body());
            assertEquals("fashion", p.get("model").get("name").asText());
            assertEquals("3", p.get("model").get("version").asText());
            assertEquals(7, p.get("top").get(0).get("index").asInt());
            assertEquals("sneaker", p.get("top").get(0).get("label").asText());
            assertEquals(0.93, p.get("top").get(0).get("probability").asDouble(), 1e-6);
            assertTrue(p.get("latencyMs").asLong() >= 0);
            assertTrue(tookMs <= 5000 + 500, "answered in " + tookMs + " ms");
            String id = p.get("id").asText();

            // and GET by id gives it with its explanation once one is published
            kafka.produce(catalog.explanations(), id, Explanation.newBuilder().setImageId(id).setModelName("fashion")
                    .setModelVersion("3").setReason("sample").addArtifacts(Artifact.newBuilder().setMethod("gradcam")
                            .setImageUri("artifact:" + "a".repeat(64) + ".png").setRawUri("artifact:" + "a".repeat(64) + ".npy")
                            .setFaithfulness(FaithfulnessScores.newBuilder().setDeletionAuc(0.21).setInsertionAuc(0.7))).build());
            Awaitility.await().atMost(30, TimeUnit.SECONDS).until(() -> json.readTree(get(base, "/v1/predictions/" + id).body())
                    .path("explanations").size() == 1);
            JsonNode stored = json.readTree(get(base, "/v1/predictions/" + id).body());
            // (any valid token reads: the write token too; none, or a wrong one, is 401)
            assertEquals(200, get(base, "/v1/predictions/" + id, TOKEN).statusCode());
            assertEquals(401, get(base, "/v1/predictions/" + id, null).statusCode());
            assertEquals(401, get(base, "/v1/predictions?limit=5", "not-a-token-at-all").statusCode());
            JsonNode e = stored.get("explanations").get(0);
            assertEquals("gradcam", e.get("method").asText());
            assertEquals("http://console.example:8080/artifacts/" + "a".repeat(64) + ".png", e.get("imageUrl").asText());
            assertEquals(0.21, e.get("faithfulness").get("deletionAuc").asDouble(), 1e-9);

            // When the inference side is stopped, a wait expires: 202 with the id, and GET says pending (202)
            responder.on.set(false);
            Thread.sleep(300);
            HttpResponse<String> late = post(base, "/v1/images?wait=300", ImageSamples.grayPng());
            assertEquals(202, late.statusCode(), late.body());
            String lateId = json.readTree(late.body()).get("id").asText();
            Awaitility.await().atMost(30, TimeUnit.SECONDS).until(() -> get(base, "/v1/predictions/" + lateId).statusCode() == 202);
            // and once it is back, the prediction is found by id
            responder.on.set(true);
            Awaitility.await().atMost(30, TimeUnit.SECONDS).until(() -> get(base, "/v1/predictions/" + lateId).statusCode() == 200);

            // An id never seen is 404; a bad wait is 400
            HttpResponse<String> unknown = get(base, "/v1/predictions/never-seen");
            assertEquals(404, unknown.statusCode(), unknown.body());
            assertEquals(400, post(base, "/v1/images?wait=soon", ImageSamples.grayPng()).statusCode());
        }
    }

    @Test
    void shouldAnswerByIdFromEitherOfTwoInstancesRoutingToTheOwner(KafkaTestContext kafka) throws Exception {
        TopicCatalog catalog = kafka.catalog();
        try (IngestService a = ingest(kafka, "a"); IngestService b = ingest(kafka, "b"); Responder responder = new Responder(kafka, catalog)) {
            URI baseA = a.httpUri().orElseThrow();
            URI baseB = b.httpUri().orElseThrow();
            Awaitility.await().atMost(60, TimeUnit.SECONDS).until(() ->
                    a.results().orElseThrow().otherInstances().size() == 1 && b.results().orElseThrow().otherInstances().size() == 1);
            // Given 12 images posted to instance a with wait, and answered
            Set<String> ids = new HashSet<>();
            for (int i = 0; i < 12; i++) {
                HttpResponse<String> r = post(baseA, "/v1/images?wait=10000", ImageSamples.grayPng());
                assertEquals(200, r.statusCode(), r.body());
                ids.add(json.readTree(r.body()).get("id").asText());
            }
            // When each is asked for by id at instance b
            int forwarded = 0;
            for (String id : ids) {
                if (b.results().orElseThrow().lookup(id) instanceof ResultLookup.Elsewhere) {
                    forwarded++;
                }
                Awaitility.await().atMost(30, TimeUnit.SECONDS).until(() -> get(baseB, "/v1/predictions/" + id).statusCode() == 200);
                assertEquals(id, json.readTree(get(baseB, "/v1/predictions/" + id).body()).get("id").asText());
            }
            // Then some were held by a and answered through b by forwarding, the others by b itself
            assertTrue(forwarded > 0 && forwarded < ids.size(), forwarded + " of " + ids.size() + " forwarded");
            // and paging either instance lists all 12
            JsonNode page = json.readTree(get(baseB, "/v1/predictions?since=0&limit=100").body());
            Set<String> listed = new HashSet<>();
            page.get("results").forEach(n -> listed.add(n.get("id").asText()));
            assertTrue(listed.containsAll(ids), "listed " + listed.size());
            JsonNode small = json.readTree(get(baseA, "/v1/predictions?since=0&limit=5").body());
            assertEquals(5, small.get("results").size());
            assertTrue(small.get("next").asLong() > 0);
        }
    }
}
