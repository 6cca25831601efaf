package dev.glimpse.launcher.commands;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glimpse.client.Answer;
import dev.glimpse.client.GlimpseClient;
import dev.glimpse.contracts.TopicCatalog;
import dev.glimpse.contracts.events.ClassScore;
import dev.glimpse.contracts.events.ImageEvent;
import dev.glimpse.contracts.events.Prediction;
import dev.glimpse.datasets.LabeledImage;
import dev.glimpse.datasets.Datasets;
import dev.glimpse.ingest.IngestConfig;
import dev.glimpse.ingest.IngestService;
import dev.glimpse.launcher.Glimpse;
import dev.glimpse.platform.config.StreamsKeys;
import dev.glimpse.platform.http.BearerAuth;
import dev.glimpse.platform.metrics.MetricsServer;
import dev.glimpse.platform.testing.KafkaBrokerExtension;
import dev.glimpse.platform.testing.KafkaTestContext;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** {@code ./glimpse predict} and the Java client against a running ingest (results API) on the embedded broker. */
@ExtendWith(KafkaBrokerExtension.class)
class PredictCommandTest {

    private static final String TOKEN = "predict-test-token";

    @TempDir
    Path dir;

    @Test
    void shouldPrintTheTopKWithLabelsPerImage(KafkaTestContext kafka) throws Exception {
        TopicCatalog catalog = kafka.catalog();
        Map<String, Object> values = new HashMap<>();
        values.put("bootstrap.servers", kafka.bootstrapServers());
        values.put("topics.prefix", kafka.topicPrefix());
        values.put(IngestConfig.HTTP_PORT, 0);
        values.put(StreamsKeys.STATE_DIR, dir.resolve("state").toString());
        values.put(BearerAuth.TOKEN, TOKEN);
        Path tokenFile = Files.writeString(dir.resolve("token"), TOKEN);
        AtomicBoolean running = new AtomicBoolean(true);
        // stands in for the inference worker: answers each image with "bag" 0.81, "coat" 0.12
        Thread responder = new Thread(() -> {
            try (Consumer<String, ImageEvent> images = kafka.clients().consumer(kafka.groupId("responder"), "responder",
                    catalog.images().keySerde().deserializer(), catalog.images().valueSerde().deserializer(),
                    Map.of("auto.offset.reset", "earliest"));
                 Producer<String, Prediction> out = kafka.clients().producer("responder", catalog.predictions())) {
                images.subscribe(List.of(catalog.images().name()));
                while (running.get()) {
                    for (ConsumerRecord<String, ImageEvent> r : images.poll(Duration.ofMillis(100))) {
                        out.send(new ProducerRecord<>(catalog.predictions().name(), r.key(), Prediction.newBuilder()
                                .setImageId(r.value().getImageId()).setModelName("fashion").setModelVersion("2")
                                .setIngestedAtMs(r.value().getIngestedAtMs()).setPredictedAtMs(System.currentTimeMillis())
                                .addTopK(ClassScore.newBuilder().setClassIndex(8).setClassName("bag").setProbability(0.81f))
                                .addTopK(ClassScore.newBuilder().setClassIndex(4).setClassName("coat").setProbability(0.12f)).build()));
                    }
                    out.flush();
                }
            }
        });
        responder.setDaemon(true);
        responder.start();
        try (IngestService ingest = new IngestService(IngestConfig.parse(values), MetricsServer.newRegistry("ingest"))) {
            ingest.start();
            assertTrue(ingest.results().orElseThrow().awaitRunning(Duration.ofSeconds(60)));
            String url = ingest.httpUri().orElseThrow().toString();
            LabeledImage shape = Datasets.open("shapes").test().get(0);
            Path png = dir.resolve("shape.png");
            Files.write(png, shape.toPng());
            // the client, first (the replies feed and the responder's group warm up within the wait)
            Answer first = new GlimpseClient(ingest.httpUri().orElseThrow(), Optional.of(TOKEN)).predict(shape.toPng(), Duration.ofSeconds(30));
            assertTrue(first instanceof Answer.Predicted, String.valueOf(first));

            // When ./glimpse predict runs on two images
            PrintStream out = System.out;
            ByteArrayOutputStream captured = new ByteArrayOutputStream();
            System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
            int exit;
            try {
                exit = Glimpse.commandLine().execute("predict", png.toString(), png.toString(), "--wait", "10000", "--url", url,
                        "--token-file", tokenFile.toString());
            } finally {
                System.setOut(out);
            }
            // Then each prints its id, model and the top-k with labels
            String text = captured.toString(StandardCharsets.UTF_8);
            assertEquals(0, exit, text);
            assertEquals(2, text.lines().filter(l -> l.startsWith(png + "  id ") && l.contains("model fashion v2")).count(), text);
            assertTrue(text.contains("  1. bag (8)") && text.contains("0.810") && text.contains("  2. coat (4)"), text);

            // and a missing file or an unreachable URL is one line and exit 2
            assertEquals(2, Glimpse.commandLine().execute("predict", dir.resolve("nope.png").toString(), "--url", url,
                    "--token-file", tokenFile.toString()));
            assertEquals(2, Glimpse.commandLine().execute("predict", png.toString(), "--url", "http://127.0.0.1:1",
                    "--token-file", tokenFile.toString()));
        } finally {
            running.set(false);
            responder.join(5000);
        }
    }
}
