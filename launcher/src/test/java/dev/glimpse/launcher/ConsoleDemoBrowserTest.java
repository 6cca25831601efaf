package dev.glimpse.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.ByteString;
import dev.glimpse.console.ConsoleServer;
import dev.glimpse.console.WebDriver;
import dev.glimpse.contracts.TopicCatalog;
import dev.glimpse.contracts.events.ImageEvent;
import dev.glimpse.datasets.FashionMnist;
import dev.glimpse.launcher.demo.DefaultModels;
import dev.glimpse.launcher.demo.DemoContext;
import dev.glimpse.launcher.commands.TokenFile;
import dev.glimpse.launcher.demo.DemoServices;
import dev.glimpse.platform.GlimpseService;
import dev.glimpse.platform.testing.KafkaBrokerExtension;
import dev.glimpse.platform.testing.KafkaTestContext;
import dev.glimpse.runtime.ExecutionDevice;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The console of {@code ./glimpse demo} with its default settings (DemoCommand's defaults: the dataset and model
 * it picks, 200 images/s, explain policy {@code sample:0.1,low-confidence:0.5}, one inference worker, no feedback),
 * composed by {@link DemoServices} exactly as the demo does and watched in headless Chromium: the default gallery
 * view shows explained cards whose images load within 10 s of the start; pause holds the page; the prediction page
 * and the monitoring page show what they promise. Screenshots: {@code launcher/target/console-*.png} (copied to
 * docs/img/).
 */
@ExtendWith(KafkaBrokerExtension.class)
class ConsoleDemoBrowserTest {

    private static final String EXPLAINED_LOADED = "return Array.from(document.querySelectorAll('article.card:not(.hidden)'))"
            + ".filter(a => a.querySelectorAll('img.artifact').length > 0"
            + " && Array.from(a.querySelectorAll('img')).every(i => i.complete && i.naturalWidth > 0)).length";

    @TempDir
    Path dir;

    @Test
    void shouldShowExplainedCardsWithinTenSecondsAndThePredictionAndMonitoringPages(KafkaTestContext kafka) throws Exception {
        Assumptions.assumeTrue(WebDriver.available(), "needs Debian chromium and chromium-driver at "
                + WebDriver.CHROMIUM + " and " + WebDriver.CHROMEDRIVER);
        // Given the demo's services with the demo's defaults (DemoCommand), started in its order
        String dataset = FashionMnist.isAvailable() ? "fashion-mnist" : "shapes";
        // the demo runs from the repository root, where models/<dataset>/model.onnx is the trained CNN
        Path trained = Path.of("..", "models", dataset, "model.onnx");
        Path model = Files.isRegularFile(trained) ? trained : DefaultModels.resolve(null, dataset, dir);
        TopicCatalog catalog = kafka.catalog();
        DemoContext context = new DemoContext(kafka.bootstrapServers(), catalog, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
                dir, model, dataset, ExecutionDevice.parse("auto"), 0, 200, 0, -1, 1, "sample:0.1,low-confidence:0.5", 0);
        // the demo writes its token before it composes the services (DemoCommand); the write endpoints need it
        String token = Files.readString(TokenFile.ensure(DemoServices.tokenFile(context))).trim();
        Path target = Path.of("target");
        Files.createDirectories(target);
        List<GlimpseService> started = new ArrayList<>();
        long t0 = System.nanoTime();
        try (WebDriver browser = new WebDriver(Files.createTempDirectory(dir, "chromium"), target.resolve("chromedriver-demo.log"))) {
            ConsoleServer console = null;
            try {
                for (GlimpseService s : DemoServices.create(context)) {
                    started.add(s);
                    s.start();
                    if (s instanceof ConsoleServer c) {
                        console = c;
                        browser.open(c.url()); // someone watching opens the console as soon as it answers
                    }
                    boolean ready = s.awaitReady(Duration.ofSeconds(30));
                    System.out.printf("%.1f s: %s started (ready %s)%n", (System.nanoTime() - t0) / 1e9, s.name(), ready);
                }
                long streamStart = System.nanoTime(); // the replay starts with ingest, the last service
                assertTrue(console != null, "the demo runs a console");
                String url = console.url();

                // Then the default view ("explained only") shows explained cards whose images all loaded, within 10 s
                assertTrue(browser.script("return document.getElementById('filter-explained').checked").asBoolean(),
                        "explained only is the default view");
                Awaitility.await().atMost(240, TimeUnit.SECONDS).pollInterval(Duration.ofMillis(200))
                        .until(() -> {
                            JsonNode n = browser.script("return [" + EXPLAINED_LOADED.substring("return ".length())
                                    + ", document.querySelectorAll('article.card').length, document.getElementById('status').textContent]");
                            System.out.printf("%.1f s: %s explained by the worker: %s%n", (System.nanoTime() - t0) / 1e9, n,
                                    started.stream().filter(x -> x instanceof dev.glimpse.explainworker.ExplainWorker)
                                            .map(x -> ((dev.glimpse.explainworker.ExplainWorker) x).summary().explanations()).toList());
                            return n.get(0).asInt() >= 1;
                        });
                double seconds = (System.nanoTime() - streamStart) / 1e9;
                String timing = String.format(java.util.Locale.ROOT, "first explained card with loaded images %.1f s after the stream"
                        + " started (%.1f s after the demo's services began starting), load average %.1f%n", seconds,
                        (System.nanoTime() - t0) / 1e9, java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
                System.out.print(timing);
                Files.writeString(target.resolve("console-first-explained.txt"), timing);

                // And the input thumbnails are not black (the image was still served when the card was drawn)
                Awaitility.await().atMost(120, TimeUnit.SECONDS).pollInterval(Duration.ofMillis(300))
                        .until(() -> browser.script(EXPLAINED_LOADED).asInt() >= 6);
                JsonNode brightest = browser.script("return Array.from(document.querySelectorAll('article.card:not(.hidden) img.thumb'))"
                        + ".slice(0, 6).map(i => { const c = document.createElement('canvas'); c.width = i.naturalWidth;"
                        + " c.height = i.naturalHeight; const g = c.getContext('2d'); g.drawImage(i, 0, 0);"
                        + " return Math.max(...g.getImageData(0, 0, c.width, c.height).data.filter((v, k) => k % 4 !== 3)); })");
                assertEquals(6, brightest.size());
                brightest.forEach(v -> assertTrue(v.asInt() > 40, "a thumbnail is (nearly) black: " + brightest));
                browser.screenshot(target.resolve("console-gallery.png"));

                // When the live stream is paused, Then the cards stay while updates keep arriving
                browser.click("#pause");
                String before = browser.script("return Array.from(document.querySelectorAll('article.card')).map(a => a.dataset.imageId).join()").asText();
                Thread.sleep(3000); // the claim is that nothing changes for a while: a stretch of time is the test
                assertEquals(before, browser.script("return Array.from(document.querySelectorAll('article.card')).map(a => a.dataset.imageId).join()").asText());
                assertTrue(browser.script("return document.getElementById('live-state').textContent").asText().matches("paused · [1-9]\\d* updates waiting"),
                        browser.script("return document.getElementById('live-state').textContent").asText());
                // When resumed, Then new explained cards come in again
                browser.click("#pause");
                Awaitility.await().atMost(120, TimeUnit.SECONDS).pollInterval(Duration.ofMillis(300)).until(() -> !browser.script(
                        "return Array.from(document.querySelectorAll('article.card')).map(a => a.dataset.imageId).join()").asText().equals(before));

                // When every card is shown (filter off) at 200 predictions/s, Then the cards' inputs still load: every
                // thumbnail of the older half of the page (newest cards are on top, still loading) has loaded
                browser.click("#filter-explained");
                Awaitility.await().atMost(180, TimeUnit.SECONDS).pollInterval(Duration.ofMillis(500)).until(() -> browser.script(
                        "const t = Array.from(document.querySelectorAll('article.card:not(.hidden) img.thumb'));"
                        + " const old = t.slice(Math.floor(t.length / 2));"
                        + " return t.length >= 24 && old.every(i => i.complete && i.naturalWidth > 0)").asBoolean());

                // Then the prediction page of an explained card shows its explanations large, with what the scores mean
                String id = explainedImageId(url);
                browser.windowSize(1400, 2600);
                browser.open(url + "prediction/" + id);
                Awaitility.await().atMost(120, TimeUnit.SECONDS).pollInterval(Duration.ofMillis(300)).until(() -> browser.script(
                        "const i = Array.from(document.querySelectorAll('img.artifact-large'));"
                        + " return i.length >= 2 && i.every(x => x.complete && x.naturalWidth > 0)"
                        + " && document.getElementById('input').naturalWidth > 0").asBoolean());
                String text = browser.script("return document.body.innerText").asText();
                assertTrue(text.contains("deletion AUC") && text.contains("lower is better"), text);
                assertTrue(browser.script("return document.querySelectorAll('#probabilities tbody tr').length").asInt() >= 2);
                assertTrue(browser.script("const b = document.querySelector('img.colorbar'); return b.complete && b.naturalWidth === 256").asBoolean());
                String magic = browser.script("const a = document.querySelector('p.raw a');"
                        + " return fetch(a.href).then(r => r.arrayBuffer()).then(b => String.fromCharCode(...new Uint8Array(b).slice(1, 6)))").asText();
                assertEquals("NUMPY", magic, "the raw link serves a .npy file");
                browser.screenshot(target.resolve("console-prediction.png"));

                // When feature maps are asked for at another layer (the first one the page offers), Then they appear
                // as featuremaps@<layer>, explained by the worker at that layer
                String layer = browser.script("const s = document.getElementById('layer-select');"
                        + " return s.disabled ? '' : (s.options.length > 1 ? s.options[1].value : '')").asText();
                assertTrue(!layer.isEmpty(), "the page offers the model's layers");
                browser.script("document.getElementById('method-select').value = 'featuremaps';"
                        + " document.getElementById('layer-select').value = arguments[0];", layer);
                // the write goes with the console's bearer token, as a user who pasted it once
                browser.script("glimpseAuth.remember(arguments[0])", token);
                browser.click("#explain-button");
                try {
                    Awaitility.await().atMost(180, TimeUnit.SECONDS).pollInterval(Duration.ofMillis(500)).until(() -> browser.script(
                            "const a = document.querySelector('article.explanation[data-method=\"featuremaps@' + arguments[0] + '\"] img');"
                            + " return !!a && a.complete && a.naturalWidth > 0", layer).asBoolean());
                } catch (org.awaitility.core.ConditionTimeoutException e) {
                    throw new AssertionError("featuremaps at layer " + layer + " did not appear; the page says: "
                            + browser.script("return document.getElementById('explain-msg').textContent").asText(), e);
                }

                // When an image no stage can decode reaches the images topic, Then the monitoring page lists its dead letter,
                // and draws throughput, accuracy and the drift statistics of the monitoring service's windows
                kafka.produce(catalog.images(), "not-an-image", ImageEvent.newBuilder().setImageId("not-an-image")
                        .setData(ByteString.copyFrom("this is not a PNG".getBytes(StandardCharsets.UTF_8))).setContentType("image/png")
                        .setWidth(28).setHeight(28).setChannels(1).setSource("test").setIngestedAtMs(System.currentTimeMillis()).build());
                browser.windowSize(1400, 3000);
                browser.open(url + "monitoring");
                Awaitility.await().atMost(90, TimeUnit.SECONDS).pollInterval(Duration.ofSeconds(1)).until(() -> browser.script(
                        "return document.body.dataset.loaded === 'true' && document.querySelectorAll('#drift .chart-box').length >= 2"
                        + " && document.querySelectorAll('#dead-latest tbody tr').length >= 1"
                        + " && document.querySelectorAll('#chart-accuracy canvas').length === 1").asBoolean());
                assertTrue(browser.script("return document.getElementById('dead-latest').textContent").asText().contains("not-an-image"));
                Thread.sleep(1500); // one more refresh so the charts hold a few windows in the screenshot
                browser.screenshot(target.resolve("console-monitoring.png"));

                // (checked last, so that a slow machine still shows whether the pages work)
                assertTrue(seconds <= 10, timing);
            } finally {
                for (int i = started.size() - 1; i >= 0; i--) {
                    started.get(i).close();
                }
            }
        }
    }

    /** The id of an explained card, from the console's own API. */
    private static String explainedImageId(String url) throws Exception {
        var http = java.net.http.HttpClient.newHttpClient();
        var r = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(url + "api/cards?explained=true&limit=1")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        JsonNode cards = new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.body());
        assertTrue(cards.size() > 0, r.body());
        return cards.get(0).path("imageId").asText();
    }
}
