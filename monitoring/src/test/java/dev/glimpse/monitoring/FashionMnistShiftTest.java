package dev.glimpse.monitoring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.protobuf.ByteString;
import dev.glimpse.contracts.TopicCatalog;
import dev.glimpse.contracts.events.DriftReport;
import dev.glimpse.contracts.events.ImageEvent;
import dev.glimpse.contracts.events.Prediction;
import dev.glimpse.platform.config.Config;
import dev.glimpse.platform.config.PlatformConfig;
import dev.glimpse.platform.kafka.TopicCreator;
import dev.glimpse.platform.metrics.MetricsServer;
import org.apache.kafka.clients.admin.Admin;
import dev.glimpse.platform.testing.KafkaBrokerExtension;
import dev.glimpse.platform.testing.KafkaTestContext;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Acceptance: Fashion-MNIST test images through a small real classifier, then the same stream with inverted
 * brightness; the monitoring service on the embedded broker must raise confidence and embedding drift alarms
 * within 3 windows of the shift, and none on an unshifted stream of the same length.
 */
@ExtendWith(KafkaBrokerExtension.class)
class FashionMnistShiftTest {

    /**
     * Recent event times: the broker's retention (7 days by record timestamp) would otherwise delete rolled
     * segments of the replay and of the drift topic while the test reads them.
     */
    private static final Instant T0 = Instant.now().truncatedTo(ChronoUnit.MINUTES).minus(Duration.ofMinutes(30));
    private static final Duration WINDOW = Duration.ofMinutes(1);
    private static final int WINDOWS = 12;
    private static final int SHIFT_AT = 6;
    private static final int PER_WINDOW = 150;
    private static final Path REPORT = Path.of("target", "shift-test.txt");

    @Test
    void shouldAlarmWithinThreeWindowsOfABrightnessInversionAndStayQuietWithoutIt(KafkaTestContext kafka) throws Exception {
        assumeTrue(Files.isReadable(FashionMnistModel.DIR.resolve("t10k-images-idx3-ubyte.gz")),
                "Fashion-MNIST is not installed (Debian package dataset-fashion-mnist)");
        // Given: the demo's classifier, and 1800 test images replayed as 12 one-minute windows
        byte[][] images = FashionMnistModel.readImages("t10k-images-idx3-ubyte.gz", WINDOWS * PER_WINDOW);
        int[] labels = FashionMnistModel.readLabels("t10k-labels-idx1-ubyte.gz", WINDOWS * PER_WINDOW);

        // When: the shifted stream inverts brightness from window 6 on; the control stream never does
        Replay replay = new Replay(images, labels);
        // The two streams run side by side (their own topics and application ids): half the wall time.
        ExecutorService pool = Executors.newFixedThreadPool(2);
        Run shifted;
        Run control;
        try {
            Future<Run> shiftedRun = pool.submit(() -> run(kafka, "shift.", replay, images, labels, SHIFT_AT));
            Future<Run> controlRun = pool.submit(() -> run(kafka, "control.", replay, images, labels, Integer.MAX_VALUE));
            shifted = shiftedRun.get(300, TimeUnit.SECONDS);
            control = controlRun.get(300, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }

        // Then
        int firstConfidence = shifted.firstAlarm("confidence-ks", SHIFT_AT);
        int firstEmbedding = shifted.firstAlarm("embedding-mmd", SHIFT_AT);
        int preShiftFalse = shifted.windowsWithAlarm(0, SHIFT_AT);
        int controlFalse = control.windowsWithAlarm(0, WINDOWS);
        int tested = control.testedWindows();
        String summary = String.format("shift test (Fashion-MNIST, %d windows x %d predictions, shift = inverted brightness "
                        + "at window %d, reference = first 3 windows)%n  model: %s%n"
                        + "  first confidence-ks alarm: window %d (%d after the shift); first embedding-mmd alarm: window %d (%d after)%n"
                        + "  shifted stream alarms per window: %s%n"
                        + "  false positives: %d of %d tested pre-shift windows; control stream %d of %d tested windows%n"
                        + "  accuracy before/after shift: %.3f / %.3f%n",
                WINDOWS, PER_WINDOW, SHIFT_AT, replay.model, firstConfidence, firstConfidence - SHIFT_AT, firstEmbedding,
                firstEmbedding - SHIFT_AT, shifted.alarmsByWindow(), preShiftFalse, SHIFT_AT - 3, controlFalse, tested,
                shifted.meanAccuracy(0, SHIFT_AT), shifted.meanAccuracy(SHIFT_AT, WINDOWS));
        System.out.print(summary);
        Files.createDirectories(REPORT.getParent());
        Files.writeString(REPORT, summary);

        assertTrue(firstConfidence >= SHIFT_AT && firstConfidence < SHIFT_AT + 3, summary);
        assertTrue(firstEmbedding >= SHIFT_AT && firstEmbedding < SHIFT_AT + 3, summary);
        assertEquals(0, preShiftFalse, summary);
        assertEquals(0, controlFalse, summary);
        assertEquals(WINDOWS - 3, tested, "every window after the reference is tested: " + summary);
        assertEquals(WINDOWS - 3, shifted.testedWindows(), "every window after the reference is tested: " + summary);
        assertTrue(shifted.scrape.contains("glimpse_drift_alarm{") && shifted.scrape.matches(
                "(?s).*glimpse_drift_mmd_pvalue\\{[^}]*model_version=\"v1\"[^}]*} [0-9.E-]+.*"), "gauges exported");
    }

    /** Drift reports of one stream, by window index. */
    private record Run(Map<Integer, List<DriftReport>> byWindow, String scrape) {

        int firstAlarm(String statistic, int from) {
            for (int w = from; w < WINDOWS; w++) {
                for (DriftReport r : byWindow.getOrDefault(w, List.of())) {
                    if (r.getStatistic().equals(statistic) && r.getDrifted()) {
                        return w;
                    }
                }
            }
            return Integer.MAX_VALUE;
        }

        int windowsWithAlarm(int from, int to) {
            int n = 0;
            for (int w = from; w < to; w++) {
                if (byWindow.getOrDefault(w, List.of()).stream().anyMatch(DriftReport::getDrifted)) {
                    n++;
                }
            }
            return n;
        }

        int testedWindows() {
            return (int) byWindow.values().stream()
                    .filter(l -> l.stream().anyMatch(r -> r.getStatistic().equals("confidence-ks"))).count();
        }

        String alarmsByWindow() {
            Map<Integer, TreeSet<String>> m = new TreeMap<>();
            byWindow.forEach((w, l) -> l.stream().filter(DriftReport::getDrifted)
                    .forEach(r -> m.computeIfAbsent(w, k -> new TreeSet<>()).add(r.getStatistic())));
            return m.toString();
        }

        double meanAccuracy(int from, int to) {
            return byWindow.entrySet().stream().filter(e -> e.getKey() >= from && e.getKey() < to)
                    .flatMap(e -> e.getValue().stream()).filter(r -> r.getStatistic().equals("accuracy"))
                    .mapToDouble(DriftReport::getValue).average().orElse(Double.NaN);
        }
    }

    /** Predictions and PNGs of every image, original and inverted, computed once for both runs. */
    private static final class Replay {
        final Prediction[] original;
        final Prediction[] inverted;
        final byte[][] png;
        final byte[][] invertedPng;
        final String model;

        Replay(byte[][] images, int[] labels) throws Exception {
            int n = images.length;
            byte[][] inv = new byte[n][];
            png = new byte[n][];
            invertedPng = new byte[n][];
            for (int i = 0; i < n; i++) {
                inv[i] = FashionMnistModel.invert(images[i]);
                png[i] = png(images[i]);
                invertedPng[i] = png(inv[i]);
            }
            if (Files.isRegularFile(OnnxFashionModel.MODEL)) {
                try (OnnxFashionModel onnx = new OnnxFashionModel()) {
                    original = onnx.predict(images, labels, "v1");
                    inverted = onnx.predict(inv, labels, "v1");
                }
                model = "models/fashion-mnist/model.onnx through the inference worker's Classifier (128-d embedding)";
            } else {
                // Without the shipped model: a small classifier fitted here on 2000 training images.
                FashionMnistModel fitted = new FashionMnistModel(FashionMnistModel.readImages("train-images-idx3-ubyte.gz", 2000),
                        FashionMnistModel.readLabels("train-labels-idx1-ubyte.gz", 2000), 17);
                original = new Prediction[n];
                inverted = new Prediction[n];
                for (int i = 0; i < n; i++) {
                    original[i] = fitted.predict("", "v1", images[i], labels[i]);
                    inverted[i] = fitted.predict("", "v1", inv[i], labels[i]);
                }
                model = "random-ReLU-feature nearest-centroid classifier fitted in the test (64-d embedding; "
                        + "models/fashion-mnist/model.onnx absent)";
            }
        }
    }

    private Run run(KafkaTestContext kafka, String name, Replay replay, byte[][] images, int[] labels,
                    int shiftAt) throws Exception {
        String prefix = kafka.topicPrefix() + name;
        // One partition: every record of the replay is in event-time order, so none arrives after its window closed.
        Config config = MonitoringService.definition().parse(Map.of(
                PlatformConfig.BOOTSTRAP_SERVERS, kafka.bootstrapServers(),
                PlatformConfig.TOPIC_PREFIX, prefix,
                PlatformConfig.TOPIC_PARTITIONS, "1",
                MonitoringService.STATE_DIR, Files.createTempDirectory("monitoring-state").toString(),
                MonitoringService.MODEL_STORE, Files.createTempDirectory("models").toString()));
        TopicCatalog topics = PlatformConfig.catalog(config);
        PrometheusMeterRegistry registry = MetricsServer.newRegistry("monitoring");
        long t0 = System.nanoTime();
        // The replay is produced before the service starts, like a backlog: the service must cope with it.
        try (Admin admin = kafka.clients().admin(name + "admin")) {
            TopicCreator.createMissing(admin, topics, (short) 1);
        }
        try (Producer<byte[], byte[]> producer = kafka.clients().producer(name + "replay")) {
            for (int i = 0; i < images.length; i++) {
                int w = i / PER_WINDOW;
                boolean shift = w >= shiftAt;
                long ts = T0.plus(WINDOW.multipliedBy(w)).toEpochMilli() + 100 + (WINDOW.toMillis() - 200) * (i % PER_WINDOW) / PER_WINDOW;
                String id = name + i;
                ImageEvent event = ImageEvent.newBuilder().setImageId(id).setData(ByteString.copyFrom(shift ? replay.invertedPng[i] : replay.png[i]))
                        .setContentType("image/png").setWidth(28).setHeight(28).setChannels(1).setLabel(labels[i]).build();
                producer.send(new ProducerRecord<>(topics.images().name(), null, ts, topics.images().serializeKey(id),
                        topics.images().serializeValue(event)));
                Prediction p = (shift ? replay.inverted[i] : replay.original[i]).toBuilder().setImageId(id).build();
                producer.send(new ProducerRecord<>(topics.predictions().name(), null, ts + 20,
                        topics.predictions().serializeKey(id), topics.predictions().serializeValue(p)));
            }
            // Advances stream time past the last window's end + grace, so that it closes.
            Prediction tick = replay.original[0].toBuilder().setImageId("tick").build();
            producer.send(new ProducerRecord<>(topics.predictions().name(), null,
                    T0.plus(WINDOW.multipliedBy(WINDOWS + 1)).toEpochMilli(), topics.predictions().serializeKey("tick"),
                    topics.predictions().serializeValue(tick)));
            producer.flush();
        }
        long t1 = System.nanoTime();
        try (MonitoringService service = new MonitoringService(config, registry)) {
            service.start();
            long t2 = System.nanoTime();
            List<DriftReport> reports = new ArrayList<>();
            long lastStart = T0.plus(WINDOW.multipliedBy(WINDOWS - 1)).toEpochMilli();
            try {
                Awaitility.await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(1)).until(() -> {
                    List<DriftReport> read = new ArrayList<>();
                    for (ConsumerRecord<String, DriftReport> r : kafka.readAll(topics.drift())) {
                        read.add(r.value());
                    }
                    synchronized (reports) {
                        reports.clear();
                        reports.addAll(read);
                    }
                    return read.stream().anyMatch(r -> r.getWindowStartMs() == lastStart && r.getStatistic().equals("accuracy"));
                });
            } catch (ConditionTimeoutException e) {
                synchronized (reports) {
                    throw new AssertionError(name + ": the last window was not reported within 120 s; windows reported: "
                            + reports.stream().map(r -> (r.getWindowStartMs() - T0.toEpochMilli()) / WINDOW.toMillis())
                            .distinct().sorted().toList() + "; service running: " + service.isRunning(), e);
                }
            }
            System.out.printf("%s: replay %.1f s, service start %.1f s, until last window reported %.1f s%n", name,
                    (t1 - t0) / 1e9, (t2 - t1) / 1e9, (System.nanoTime() - t2) / 1e9);
            Map<Integer, List<DriftReport>> byWindow = new TreeMap<>();
            for (DriftReport r : reports) {
                int w = (int) ((r.getWindowStartMs() - T0.toEpochMilli()) / WINDOW.toMillis());
                byWindow.computeIfAbsent(w, k -> new ArrayList<>()).add(r);
            }
            StringBuilder all = new StringBuilder();
            byWindow.forEach((w, l) -> l.forEach(r -> all.append(String.format("%s window %d %s value=%.4g threshold=%.4g drifted=%s events=%d %s%n",
                    name, w, r.getStatistic(), r.getValue(), r.getThreshold(), r.getDrifted(), r.getEvents(),
                    new TreeMap<>(r.getDetailsMap()).toString().replaceAll("fraction_\\d=[0-9.E-]+,? ?", "")))));
            Files.writeString(Path.of("target", "shift-test-reports-" + name + "txt"), all.toString());
            return new Run(byWindow, registry.scrape());
        }
    }

    private static byte[] png(byte[] pixels) throws Exception {
        BufferedImage img = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
        img.getRaster().setDataElements(0, 0, 28, 28, pixels);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "png", out);
        return out.toByteArray();
    }
}
