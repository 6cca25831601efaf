package dev.glimpse.trainingservice;

import dev.glimpse.registry.announce.ModelAnnouncer;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import dev.glimpse.contracts.TopicCatalog;
import dev.glimpse.contracts.events.ClassScore;
import dev.glimpse.contracts.events.ImageEvent;
import dev.glimpse.contracts.events.Prediction;
import dev.glimpse.contracts.events.Label;
import dev.glimpse.contracts.events.ModelAnnouncement;
import dev.glimpse.datasets.LabeledImage;
import dev.glimpse.platform.testing.KafkaBrokerExtension;
import dev.glimpse.platform.testing.KafkaTestContext;
import dev.glimpse.registry.store.ModelState;
import dev.glimpse.registry.testing.TinyOnnx;
import dev.glimpse.runtime.MissingModelContractException;
import dev.glimpse.runtime.ModelMetadataKeys;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The whole service on the embedded broker: images + labels in, a better model stored, announced and operable. */
@ExtendWith(KafkaBrokerExtension.class)
class TrainingServiceTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    Path dir;

    @Test
    void shouldRefuseABootstrapModelWithoutPreprocessingContractWithOneLineNamingModelsImport(KafkaTestContext kafka)
            throws Exception {
        // Given a bootstrap model without metadata_props (a raw export)
        Path raw = dir.resolve("raw.onnx");
        Files.write(raw, TinyOnnx.linearWithoutContract(4, 4, 3, 0.1f));
        Map<String, Object> settings = new HashMap<>();
        settings.put("bootstrap.servers", kafka.bootstrapServers());
        settings.put("topics.prefix", kafka.catalog().prefix());
        settings.put(TrainingServiceConfig.STORE_DIR, dir.resolve("store").toString());
        settings.put(TrainingServiceConfig.STATE_DIR, dir.resolve("streams").toString());
        settings.put(TrainingServiceConfig.APPLICATION_ID, kafka.groupId("training"));
        settings.put(TrainingServiceConfig.BOOTSTRAP_MODEL, raw.toString());

        // When the service starts, Then it refuses with requireContract's one line before storing the model
        try (TrainingService service = new TrainingService(TrainingServiceConfig.parse(settings), new SimpleMeterRegistry())) {
            MissingModelContractException e = assertThrows(MissingModelContractException.class, service::start);
            assertEquals(new MissingModelContractException(raw.toString(), ModelMetadataKeys.CONTRACT).getMessage(),
                    e.getMessage());
            assertTrue(e.getMessage().contains("./glimpse models import --model " + raw), e.getMessage());
            assertTrue(service.lifecycle().serving().isEmpty(), "nothing stored or served");
        }
    }

    @Test
    void shouldFineTunePublishAndObeyOperatorCommandsWhenLabeledFeedbackArrives(KafkaTestContext kafka) throws Exception {
        assumeTrue(TestModels.fashionAvailable(), "needs Fashion-MNIST (Debian package dataset-fashion-mnist)");
        // Given a service whose serving model (v1) knows classes 0-4 only
        TopicCatalog catalog = kafka.catalog();
        Map<String, Object> raw = new HashMap<>();
        raw.put("bootstrap.servers", kafka.bootstrapServers());
        raw.put("topics.prefix", catalog.prefix());
        raw.put(TrainingServiceConfig.STORE_DIR, dir.resolve("store").toString());
        raw.put(TrainingServiceConfig.STATE_DIR, dir.resolve("streams").toString());
        raw.put(TrainingServiceConfig.APPLICATION_ID, kafka.groupId("training"));
        raw.put(TrainingServiceConfig.BOOTSTRAP_MODEL, TestModels.firstFiveClasses().toString());
        raw.put(TrainingServiceConfig.EVERY_EXAMPLES, "1000");
        raw.put(TrainingServiceConfig.MIN_TRAIN, "400");
        raw.put(TrainingServiceConfig.BUFFER_PER_CLASS, "300");
        raw.put(TrainingServiceConfig.EPOCHS, "4");
        raw.put(TrainingServiceConfig.LR, "0.002");
        raw.put(TrainingServiceConfig.UNFREEZE_LAST, "2");
        raw.put(TrainingServiceConfig.BACKBONE_LR_SCALE, "0.3");
        raw.put(TrainingServiceConfig.MARGIN, "0.02");
        raw.put(TrainingServiceConfig.MAX_CLASS_DROP, "0.3");
        raw.put(TrainingServiceConfig.HTTP_PORT, "0");
        raw.put(TrainingServiceConfig.API_TOKEN, "s3cret-token");
        raw.put(TrainingServiceConfig.ROLLBACK_MIN_LABELED, "100");
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (TrainingService service = new TrainingService(TrainingServiceConfig.parse(raw), registry)) {
            long t0 = System.nanoTime();
            service.start();
            System.err.printf("service started in %d ms%n", (System.nanoTime() - t0) / 1_000_000);
            assertEquals("v1", service.lifecycle().serving().orElseThrow().version());

            // When 1,300 images of all ten classes stream in with their labels
            List<LabeledImage> images = TestModels.images(6000, 7300);
            try (Producer<byte[], byte[]> producer = kafka.clients().producer("feeder")) {
                for (LabeledImage img : images) {
                    ImageEvent event = ImageEvent.newBuilder().setImageId(img.id()).setData(ByteString.copyFrom(img.toPng()))
                            .setContentType("image/png").setWidth(28).setHeight(28).setChannels(1).setLabel(-1)
                            .setIngestedAtMs(System.currentTimeMillis()).build();
                    producer.send(new ProducerRecord<>(catalog.images().name(), catalog.images().serializeKey(img.id()),
                            catalog.images().serializeValue(event)));
                    Label label = Label.newBuilder().setImageId(img.id()).setLabel(img.label()).setSource("replay")
                            .setLabeledAtMs(System.currentTimeMillis()).build();
                    producer.send(new ProducerRecord<>(catalog.labels().name(), catalog.labels().serializeKey(img.id()),
                            catalog.labels().serializeValue(label)));
                }
                // and one label for an image that does not exist, one out of range
                producer.send(new ProducerRecord<>(catalog.labels().name(), catalog.labels().serializeKey("f-6000"),
                        catalog.labels().serializeValue(Label.newBuilder().setImageId("f-6000").setLabel(42).build())));
                producer.flush();
            }
            System.err.printf("fed at %d ms%n", (System.nanoTime() - t0) / 1_000_000);

            // Then a run triggered by the example count fine-tunes v1 into v2, which is promoted and announced
            Awaitility.await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250))
                    .until(() -> !service.outcomes().isEmpty());
            RetrainRunner.Outcome outcome = service.outcomes().get(0);
            System.err.printf("run done at %d ms (run took %s)%n", (System.nanoTime() - t0) / 1_000_000, outcome.took());
            assertEquals("promoted", outcome.outcome(), outcome.reason());
            assertTrue(outcome.current().accuracy() <= 0.5, outcome.current().toString());
            assertTrue(outcome.candidate().accuracy() >= 0.65, outcome.candidate().toString());
            assertEquals(ModelState.PROMOTED, service.store().get("fashion", "v2").manifest().state());
            assertTrue(service.store().get("fashion", "v2").manifest().hyperparameters().get("trigger").startsWith("every-n"));

            List<ConsumerRecord<String, ModelAnnouncement>> models = kafka.readAll(catalog.models());
            ConsumerRecord<String, ModelAnnouncement> last = models.get(models.size() - 1);
            assertEquals("fashion/v2", last.key(), "key = name/version (see ModelAnnouncer.key)");
            assertEquals(ModelAnnouncement.State.PROMOTED, last.value().getState());
            assertEquals(service.store().get("fashion", "v2").manifest().sha256(), last.value().getSha256());
            // each announcement states the classes its model outputs (what label endpoints check labels against),
            // here the width of the stored graph's output
            for (ConsumerRecord<String, ModelAnnouncement> m : List.of(models.get(0), last)) {
                String version = m.value().getVersion();
                try (dev.glimpse.runtime.PlacedSession session = dev.glimpse.runtime.OrtSessions.open(
                        service.store().get("fashion", version).modelPath(), dev.glimpse.runtime.ExecutionDevice.CPU)) {
                    int outputs = dev.glimpse.runtime.GraphFacts.of(session.session()).classCount();
                    assertTrue(outputs > 0);
                    assertEquals(outputs, m.value().getNumClasses(), m.key());
                }
            }
            assertEquals(1.0, registry.counter("glimpse.training.runs", "outcome", "promoted").count());
            double examples = registry.find("glimpse.training.examples").counters().stream()
                    .mapToDouble(c -> c.count()).sum();
            assertTrue(examples >= 1000, "per-class example counters: " + examples);
            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> kafka.readAll(catalog.deadletter()).stream()
                    .anyMatch(r -> r.value().getReason().equals("bad-label"))); // label 42

            // And the operator API answers with the token only, and rolls back / pins
            URI base = service.api().orElseThrow().uri();
            HttpClient http = HttpClient.newHttpClient();
            HttpResponse<String> denied = http.send(HttpRequest.newBuilder(base.resolve("/v1/models")).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(401, denied.statusCode());
            JsonNode listing = JSON.readTree(call(http, base, "GET", "/v1/models", 200));
            assertEquals("v2", listing.get("serving").asText());
            assertEquals(2, listing.get("versions").size());
            assertEquals("v1", JSON.readTree(call(http, base, "POST", "/v1/models/fashion/rollback", 200))
                    .get("serving").asText());
            assertEquals("v2", JSON.readTree(call(http, base, "POST", "/v1/models/fashion/pin?version=v2", 200))
                    .get("serving").asText());
            call(http, base, "POST", "/v1/models/fashion/promote?version=v9", 404);
            call(http, base, "POST", "/v1/models/fashion/promote?version=../x", 400);
            call(http, base, "POST", "/v1/train", 202);
            Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> service.outcomes().size() == 2);
            assertEquals("held", service.outcomes().get(1).outcome(), "a passing candidate is held while pinned");
            List<ConsumerRecord<String, ModelAnnouncement>> after = kafka.readAll(catalog.models());
            ModelAnnouncement newest = after.get(after.size() - 1).value();
            assertEquals("v2", newest.getVersion());
            assertEquals(ModelAnnouncement.State.PROMOTED, newest.getState());

            // And when an operator forces v1 back although v2 answers live traffic better, the guard rolls it back
            call(http, base, "POST", "/v1/models/fashion/unpin", 200);
            try (Producer<byte[], byte[]> producer = kafka.clients().producer("worker")) {
                sendPredictions(producer, catalog, "v2", 0, 200, 0.9);
                producer.flush();
                Awaitility.await().atMost(Duration.ofSeconds(30))
                        .until(() -> service.lifecycle().liveLabeled("v2") == 200);
                call(http, base, "POST", "/v1/models/fashion/promote?version=v1", 200);
                sendPredictions(producer, catalog, "v1", 200, 100, 0.4);
                producer.flush();
            }
            Awaitility.await().atMost(Duration.ofSeconds(30))
                    .until(() -> service.lifecycle().serving().orElseThrow().version().equals("v2"));
            assertEquals(ModelState.ROLLED_BACK, service.store().get("fashion", "v1").manifest().state());
            List<ConsumerRecord<String, ModelAnnouncement>> end = kafka.readAll(catalog.models());
            assertEquals(ModelAnnouncement.State.ROLLED_BACK, end.get(end.size() - 2).value().getState());
            assertEquals("v2", end.get(end.size() - 1).value().getVersion());
        }
    }

    /** Labeled predictions by {@code version}, a fraction {@code accuracy} of them right. */
    private static void sendPredictions(Producer<byte[], byte[]> producer, TopicCatalog catalog, String version,
                                        int from, int n, double accuracy) {
        for (int i = from; i < from + n; i++) {
            int label = i % 10;
            int top1 = (i % 100) < Math.round(accuracy * 100) ? label : (label + 1) % 10;
            Prediction p = Prediction.newBuilder().setImageId("live-" + i).setModelName("fashion").setModelVersion(version)
                    .addTopK(ClassScore.newBuilder().setClassIndex(top1).setProbability(0.9f)).setLabel(label).build();
            producer.send(new ProducerRecord<>(catalog.predictions().name(), catalog.predictions().serializeKey(p.getImageId()),
                    catalog.predictions().serializeValue(p)));
        }
    }

    private static String call(HttpClient http, URI base, String method, String path, int expected) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(base.resolve(path))
                .header("Authorization", "Bearer s3cret-token")
                .method(method, HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(expected, r.statusCode(), method + " " + path + ": " + r.body());
        return r.body();
    }
}
