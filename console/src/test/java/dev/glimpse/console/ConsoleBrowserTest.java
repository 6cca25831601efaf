package dev.glimpse.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtException;
import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.ByteString;
import dev.glimpse.contracts.TopicCatalog;
import dev.glimpse.contracts.events.ClassScore;
import dev.glimpse.contracts.events.ImageEvent;
import dev.glimpse.contracts.events.Label;
import dev.glimpse.contracts.events.Prediction;
import dev.glimpse.engine.autodiff.ReluRule;
import dev.glimpse.explain.gradient.EngineDifferentiators;
import dev.glimpse.explainworker.ExplainWorker;
import dev.glimpse.explainworker.ExplainWorkerConfig;
import dev.glimpse.explainworker.TinyCnn;
import dev.glimpse.platform.testing.KafkaBrokerExtension;
import dev.glimpse.platform.testing.KafkaTestContext;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The console in real headless Chromium: predictions and images go onto the embedded broker, the explain worker
 * (ONNX engine, tiny CNN) explains them, the console shows cards whose artifact images really load, and clicking a
 * card's label control publishes a Label event. Screenshot: target/console-screenshot.png.
 */
@ExtendWith(KafkaBrokerExtension.class)
class ConsoleBrowserTest {

    private static final String TOKEN = "browser-test-token";
    private static final String[] NAMES = {"square", "circle", "triangle"};

    @TempDir
    Path dir;

    static boolean gradientsAvailable() {
        try {
            new EngineDifferentiators().create(TinyCnn.build("1", 1), "logits", TinyCnn.LAYER, ReluRule.STANDARD, false).close();
            return true;
        } catch (OrtException | RuntimeException e) {
            return false;
        }
    }

    @Test
    void shouldShowLoadedHeatmapsAndPublishALabelClickedInTheBrowser(KafkaTestContext kafka) throws Exception {
        Assumptions.assumeTrue(WebDriver.available(), "needs Debian chromium and chromium-driver at "
                + WebDriver.CHROMIUM + " and " + WebDriver.CHROMEDRIVER);
        // Given images and predictions on the broker, and the explain worker + console running on them
        TopicCatalog catalog = kafka.catalog();
        Path model = TinyCnn.write(dir.resolve("tiny.onnx"), "1", 7);
        int n = 8;
        for (int i = 0; i < n; i++) {
            byte[][] img = TinyCnn.squareImage(1 + (i * 3) % 10, 2 + (i * 5) % 9);
            kafka.produce(catalog.images(), "shape-" + i, ImageEvent.newBuilder().setImageId("shape-" + i)
                    .setData(ByteString.copyFrom(img[0])).setContentType("image/png").setWidth(16).setHeight(16)
                    .setChannels(1).setObjectMask(ByteString.copyFrom(img[1])).setLabel(i % 3).build());
            float p = 0.45f + 0.06f * i;
            kafka.produce(catalog.predictions(), "shape-" + i, Prediction.newBuilder().setImageId("shape-" + i)
                    .setModelName("tiny").setModelVersion("1").setLabel(i % 3).setPredictedAtMs(System.currentTimeMillis())
                    .addTopK(ClassScore.newBuilder().setClassIndex(i % 2).setClassName(NAMES[i % 2]).setProbability(p))
                    .addTopK(ClassScore.newBuilder().setClassIndex(2).setClassName(NAMES[2]).setProbability((1 - p) * 0.7f))
                    .addTopK(ClassScore.newBuilder().setClassIndex(1 - i % 2).setClassName(NAMES[1 - i % 2]).setProbability((1 - p) * 0.3f))
                    .build());
        }
        List<String> methods = gradientsAvailable() ? ExplainWorkerConfig.DEFAULT_METHODS : List.of("eigencam", "featuremaps");
        ExplainWorkerConfig w = ExplainWorkerConfig.defaults(kafka.bootstrapServers(), catalog, model, dir.resolve("artifacts"))
                .withMethods(methods, null).withIdentity(kafka.groupId("explain"), "explain-browser");
        ConsoleConfig c = ConsoleConfig.defaults(kafka.bootstrapServers(), catalog, 0, model).withToken(TOKEN);
        try (ExplainWorker worker = ExplainWorker.create(w, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
             ConsoleServer console = new ConsoleServer(c, worker.artifactStore(), worker, new SimpleMeterRegistry())) {
            worker.start();
            console.start();
            Awaitility.await().atMost(90, TimeUnit.SECONDS).until(() -> worker.summary().explanations() >= (long) n * methods.size());

            Path target = Path.of("target");
            Files.createDirectories(target);
            Path profile = Files.createTempDirectory(dir, "chromium-profile");
            try (WebDriver browser = new WebDriver(profile, target.resolve("chromedriver.log"))) {
                // When the gallery is opened
                browser.open(console.url());
                Awaitility.await().atMost(60, TimeUnit.SECONDS).pollInterval(Duration.ofMillis(300)).until(() ->
                        browser.script("return document.querySelectorAll('article.card').length").asInt() >= n
                                && browser.script("return Array.from(document.querySelectorAll('img.artifact'))"
                                + ".filter(i => i.complete && i.naturalWidth > 0).length").asInt() >= n * methods.size());

                // Then every card shows its input and its artifacts as images that actually loaded
                JsonNode broken = browser.script("return Array.from(document.querySelectorAll('article.card img'))"
                        + ".filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src)");
                assertEquals(0, broken.size(), "images that did not load: " + broken);
                JsonNode widths = browser.script("return Array.from(document.querySelectorAll('img.heatmap')).map(i => i.naturalWidth)");
                assertTrue(widths.size() >= n, "heatmaps on the page: " + widths);
                widths.forEach(v -> assertTrue(v.asInt() > 0));

                // When a label is chosen and clicked on the first card (with the token typed in)
                browser.script("const t = document.getElementById('token'); t.value = arguments[0];"
                        + " t.dispatchEvent(new Event('change'));", TOKEN);
                String imageId = browser.script("const a = document.querySelector('article.card');"
                        + " a.querySelector('.label-select').value = '2'; return a.dataset.imageId").asText();
                browser.click("article.card[data-image-id='" + imageId + "'] .label-button");

                // Then the Label event is on the labels topic and the card says so
                List<ConsumerRecord<String, Label>> labels = kafka.consume(catalog.labels(), 1, Duration.ofSeconds(30));
                assertEquals(imageId, labels.get(0).key());
                assertEquals(2, labels.get(0).value().getLabel());
                assertEquals("console", labels.get(0).value().getSource());
                Awaitility.await().atMost(10, TimeUnit.SECONDS).until(() -> browser.script(
                        "return document.querySelector(\"article.card[data-image-id='\" + arguments[0] + \"'] .controls\").textContent",
                        imageId).asText().contains(NAMES[2]));

                // When "explain with" gradcam++ is clicked on that card, Then its new heatmap appears and loads
                browser.script("document.querySelector(\"article.card[data-image-id='\" + arguments[0] + \"'] .method-select\").value = 'gradcam++'", imageId);
                browser.click("article.card[data-image-id='" + imageId + "'] .explain-button");
                Awaitility.await().atMost(60, TimeUnit.SECONDS).pollInterval(Duration.ofMillis(300)).until(() -> browser.script(
                        "const i = document.querySelector(\"article.card[data-image-id='\" + arguments[0] + \"'] img[alt='gradcam++']\");"
                        + " return !!i && i.complete && i.naturalWidth > 0", imageId).asBoolean());
                browser.screenshot(target.resolve("console-screenshot.png"));
                assertTrue(Files.size(target.resolve("console-screenshot.png")) > 10_000);

                // And the model page shows the inspect table, the architecture, the filters and activation maximisation
                browser.open(console.url() + "model");
                Awaitility.await().atMost(90, TimeUnit.SECONDS).pollInterval(Duration.ofMillis(500)).until(() ->
                        browser.script("return document.querySelectorAll('#layers tbody tr').length").asInt() > 0
                                && browser.script("return ['architecture', 'filters', 'actmax'].every(id => {"
                                + " const i = document.getElementById(id); return i.complete && i.naturalWidth > 0; })").asBoolean());
                assertTrue(browser.script("return document.getElementById('layers').textContent").asText().contains("Conv"));
                browser.screenshot(target.resolve("console-model.png"));
            }
        }
    }
}
