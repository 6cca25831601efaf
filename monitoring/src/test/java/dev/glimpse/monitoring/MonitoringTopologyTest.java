package dev.glimpse.monitoring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glimpse.contracts.TopicCatalog;
import dev.glimpse.contracts.events.DriftReport;
import dev.glimpse.contracts.events.ImageEvent;
import dev.glimpse.contracts.events.Label;
import dev.glimpse.contracts.events.Prediction;
import dev.glimpse.monitoring.internal.Observation;
import dev.glimpse.monitoring.internal.WindowSample;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import com.google.protobuf.ByteString;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import javax.imageio.ImageIO;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class MonitoringTopologyTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final Duration WINDOW = Duration.ofMinutes(1);

    private final TopicCatalog topics = TopicCatalog.defaults();
    private final MonitoringConfig config = MonitoringConfig.from(Map.of(
            MonitoringConfig.WINDOW_SIZE_MS, "60000", MonitoringConfig.WINDOW_HOP_MS, "60000",
            MonitoringConfig.WINDOW_GRACE_MS, "0", MonitoringConfig.REFERENCE_WINDOWS, "2",
            MonitoringConfig.MIN_WINDOW_EVENTS, "20"));
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private TopologyTestDriver driver;
    private TestInputTopic<String, Prediction> predictions;
    private TestInputTopic<String, Label> labels;
    private TestInputTopic<String, ImageEvent> images;
    private TestOutputTopic<String, DriftReport> drift;
    private final SplittableRandom random = new SplittableRandom(1);
    private int nextId;

    private void start(ReferenceLookup references) {
        StreamsBuilder builder = new StreamsBuilder();
        MonitoringTopology.createMonitoringTopology(builder, config, topics, references, new MonitoringMetrics(registry));
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "monitoring-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        driver = new TopologyTestDriver(builder.build(), props);
        predictions = driver.createInputTopic(topics.predictions().name(), Serdes.String().serializer(),
                topics.predictions().valueSerde().serializer());
        labels = driver.createInputTopic(topics.labels().name(), Serdes.String().serializer(),
                topics.labels().valueSerde().serializer());
        images = driver.createInputTopic(topics.images().name(), Serdes.String().serializer(),
                topics.images().valueSerde().serializer());
        drift = driver.createOutputTopic(topics.drift().name(), Serdes.String().deserializer(),
                topics.drift().valueSerde().deserializer());
    }

    @AfterEach
    void close() {
        if (driver != null) {
            driver.close();
        }
    }

    @Test
    void shouldReportLiveAccuracyFromCarriedAndLateLabels() {
        // Given: in window 0, 3 predictions carry their label (2 right), 2 get a late label (1 right)
        start(ReferenceLookup.NONE);
        Instant t = T0.plusSeconds(1);
        predictions.pipeInput("a", Predictions.of("a", "v1", 1, 0.9, new float[0], 1), t);
        predictions.pipeInput("b", Predictions.of("b", "v1", 2, 0.9, new float[0], 2), t);
        predictions.pipeInput("c", Predictions.of("c", "v1", 3, 0.9, new float[0], 4), t);
        predictions.pipeInput("d", Predictions.of("d", "v1", 5, 0.9, new float[0], -1), t);
        predictions.pipeInput("e", Predictions.of("e", "v1", 6, 0.9, new float[0], -1), t);
        labels.pipeInput("d", Label.newBuilder().setImageId("d").setLabel(5).build(), t.plusSeconds(10));
        labels.pipeInput("e", Label.newBuilder().setImageId("e").setLabel(7).build(), t.plusSeconds(10));

        // When: stream time passes the end of window 0
        predictions.pipeInput("z", Predictions.of("z", "v1", 1, 0.9, new float[0], -1), T0.plus(WINDOW).plusSeconds(1));

        // Then: 3 of 5 right; per true class: 1 -> 1, 2 -> 1, 4 -> 0, 5 -> 1, 7 -> 0
        DriftReport accuracy = only(drift.readValuesToList(), DriftStatistic.ACCURACY);
        assertEquals(0.6, accuracy.getValue(), 1e-12);
        assertEquals(5, accuracy.getDetailsOrThrow("labeled"), 0);
        assertEquals(1.0, accuracy.getDetailsOrThrow("class_5"), 0);
        assertEquals(0.0, accuracy.getDetailsOrThrow("class_7"), 0);
        assertFalse(accuracy.getDrifted(), "no reference accuracy yet, so no accuracy alarm");
        assertEquals(0.6, gauge(MonitoringMetrics.LIVE_ACCURACY, "v1"), 1e-12);
        assertEquals(0.0, registry.get(MonitoringMetrics.LIVE_CLASS_ACCURACY).tag("class", "4").gauge().value(), 0);
    }

    @Test
    void shouldStayQuietOnAnUnshiftedStreamAndAlarmOnAShiftedOne() {
        // Given: the reference is the first 2 windows; windows 2-3 are unshifted; windows 4-5 are shifted
        start(ReferenceLookup.NONE);
        for (int w = 0; w < 6; w++) {
            feedWindow(w, 200, w >= 4);
        }
        closeWindow(6);

        // Then
        Map<Long, List<DriftReport>> byWindow = drift.readValuesToList().stream()
                .collect(Collectors.groupingBy(DriftReport::getWindowStartMs));
        for (int w = 0; w < 2; w++) {
            assertTrue(byWindow.getOrDefault(start(w), List.of()).stream()
                    .noneMatch(r -> r.getStatistic().endsWith("-ks") || r.getStatistic().endsWith("-mmd")),
                    "reference windows are not tested against themselves");
        }
        for (int w = 2; w < 4; w++) {
            List<DriftReport> reports = byWindow.get(start(w));
            assertTrue(reports.stream().noneMatch(DriftReport::getDrifted), "unshifted window " + w + ": " + reports);
        }
        for (int w = 4; w < 6; w++) {
            List<DriftReport> reports = byWindow.get(start(w));
            assertTrue(only(reports, DriftStatistic.CONFIDENCE_KS).getDrifted(), "confidence drift in window " + w);
            DriftReport mmd = only(reports, DriftStatistic.EMBEDDING_MMD);
            assertTrue(mmd.getDrifted(), "embedding drift in window " + w + ": " + mmd);
            assertTrue(only(reports, DriftStatistic.CLASS_PSI).getDrifted(), "class distribution drift in window " + w);
        }
        assertEquals(1.0, registry.get(MonitoringMetrics.ALARM).tag("statistic", "embedding-mmd").gauge().value(), 0);
        assertTrue(registry.get(MonitoringMetrics.MMD_PVALUE).gauge().value() < 0.002);
        assertEquals(1.0, registry.get(MonitoringMetrics.REFERENCE_READY).gauge().value(), 0);
    }

    @Test
    void shouldMeasureInputBrightnessDriftFromTheImagesPredictionsWereMadeOn() throws Exception {
        // Given: dark images during the reference, inverted (bright) images afterwards
        start(ReferenceLookup.NONE);
        for (int w = 0; w < 4; w++) {
            for (int i = 0; i < 30; i++) {
                String id = "img-" + (nextId++);
                Instant t = T0.plus(WINDOW.multipliedBy(w)).plusMillis(100 + i * 100L);
                byte[] data = w < 3 ? pngNoisy(30 + (i % 5)) : pngNoisy(225 - (i % 5));
                images.pipeInput(id, ImageEvent.newBuilder().setImageId(id).setData(ByteString.copyFrom(data)).build(), t);
                predictions.pipeInput(id, Predictions.of(id, "v1", i % 10, 0.9, new float[0], -1), t.plusMillis(5));
            }
        }
        closeWindow(4);

        // Then: window 2 (after the 2-window reference) is unshifted, window 3 is shifted
        List<DriftReport> all = drift.readValuesToList();
        DriftReport w2 = all.stream().filter(r -> r.getWindowStartMs() == start(2)
                && r.getStatistic().equals("brightness-ks")).findFirst().orElseThrow();
        DriftReport w3 = all.stream().filter(r -> r.getWindowStartMs() == start(3)
                && r.getStatistic().equals("brightness-ks")).findFirst().orElseThrow();
        assertFalse(w2.getDrifted(), w2.toString());
        assertTrue(w3.getDrifted(), w3.toString());
        assertEquals(1.0, w3.getValue(), 0, "disjoint brightness ranges: KS D = 1");
        assertTrue(w3.getDetailsOrThrow("window_mean") > 0.8 && w3.getDetailsOrThrow("reference_mean") < 0.2);
    }

    @Test
    void shouldUseTheReferenceRecordedWithTheModelFromTheFirstWindow() {
        // Given: a recorded reference of 300 unshifted predictions
        WindowSample recorded = new WindowSample(1000, 100, 3);
        for (int i = 0; i < 300; i++) {
            recorded.add(Observation.prediction(synthetic("r" + i, "v2", false)));
        }
        start((name, version) -> version.equals("v2") ? Optional.of(recorded) : Optional.empty());

        // When: the very first window is shifted
        feedWindowVersion(0, 200, true, "v2");
        closeWindow(1);

        // Then: it is tested (and alarms) at once
        List<DriftReport> reports = drift.readValuesToList();
        assertTrue(only(reports, DriftStatistic.EMBEDDING_MMD).getDrifted());
        assertTrue(only(reports, DriftStatistic.CONFIDENCE_KS).getDrifted());
    }

    @Test
    void shouldKeepModelVersionsApart() {
        // Given: v1 unshifted for 3 windows; v3 appears in window 2 already shifted (its own reference)
        start(ReferenceLookup.NONE);
        for (int w = 0; w < 3; w++) {
            feedWindowVersion(w, 100, false, "v1");
        }
        feedWindowVersion(2, 100, true, "v3");
        closeWindow(3);

        // Then: v1's third window is compared with v1's reference and does not drift; v3 has no reference yet
        List<DriftReport> reports = drift.readValuesToList();
        assertTrue(reports.stream().filter(r -> r.getModelVersion().equals("v1")).noneMatch(DriftReport::getDrifted));
        assertTrue(reports.stream().filter(r -> r.getModelVersion().equals("v3")).noneMatch(r -> r.getStatistic().endsWith("-mmd")));
        assertTrue(reports.stream().anyMatch(r -> r.getModelVersion().equals("v1") && r.getStatistic().equals("embedding-mmd")));
        assertEquals(0.0, registry.get(MonitoringMetrics.REFERENCE_READY).tag("model_version", "v3").gauge().value(), 0);
    }

    @Test
    void shouldSkipOverlappingWindowsWhenBuildingTheReferenceFromHoppingWindows() {
        // Given: 2-minute windows hopping by 1 minute; reference of 2 windows = [0,2) and [2,4), not [1,3)
        MonitoringConfig hopping = MonitoringConfig.from(Map.of(
                MonitoringConfig.WINDOW_SIZE_MS, "120000", MonitoringConfig.WINDOW_HOP_MS, "60000",
                MonitoringConfig.WINDOW_GRACE_MS, "0", MonitoringConfig.REFERENCE_WINDOWS, "2",
                MonitoringConfig.MIN_WINDOW_EVENTS, "20"));
        StreamsBuilder builder = new StreamsBuilder();
        MonitoringTopology.createMonitoringTopology(builder, hopping, topics);
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "monitoring-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        driver = new TopologyTestDriver(builder.build(), props);
        predictions = driver.createInputTopic(topics.predictions().name(), Serdes.String().serializer(),
                topics.predictions().valueSerde().serializer());
        drift = driver.createOutputTopic(topics.drift().name(), Serdes.String().deserializer(),
                topics.drift().valueSerde().deserializer());
        for (int w = 0; w < 6; w++) {
            feedWindow(w, 50, false);
        }
        closeWindow(7);

        // Then: the first closed window is [-1,1) min (it holds minute 0), [0,2) overlaps it and is skipped,
        // [1,3) completes the reference, so [2,4) is the first window tested against it
        List<DriftReport> reports = drift.readValuesToList();
        long firstTested = reports.stream().filter(r -> r.getStatistic().equals("confidence-ks"))
                .mapToLong(DriftReport::getWindowStartMs).min().orElseThrow();
        assertEquals(start(2), firstTested);
    }

    @Test
    void shouldSkipMalformedEventsAndKeepReportingWithTheServiceSettings() throws Exception {
        // Given the topology run with the service's Streams settings
        dev.glimpse.platform.config.Config serviceConfig = MonitoringService.definition().parse(Map.of(
                MonitoringService.STATE_DIR, java.nio.file.Files.createTempDirectory("monitoring-state").toString()));
        StreamsBuilder builder = new StreamsBuilder();
        MonitoringTopology.createMonitoringTopology(builder, config, topics);
        Properties props = MonitoringService.streamsProperties(serviceConfig, topics);
        // The driver has no fetch positions to idle on: without this it would hold every record back.
        props.put(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, 0L);
        driver = new TopologyTestDriver(builder.build(), props);
        TestInputTopic<String, byte[]> raw = driver.createInputTopic(topics.predictions().name(),
                Serdes.String().serializer(), Serdes.ByteArray().serializer());
        predictions = driver.createInputTopic(topics.predictions().name(), Serdes.String().serializer(),
                topics.predictions().valueSerde().serializer());
        drift = driver.createOutputTopic(topics.drift().name(), Serdes.String().deserializer(),
                topics.drift().valueSerde().deserializer());

        // When a malformed record comes first, then a labeled prediction, then time passes the window
        raw.pipeInput("bad", new byte[] {(byte) 0xff, 0x01, 0x02}, T0.plusSeconds(1));
        predictions.pipeInput("a", Predictions.of("a", "v1", 1, 0.9, new float[0], 1), T0.plusSeconds(2));
        closeWindow(1);

        // Then the malformed record was skipped and the window still reported
        assertEquals(1.0, only(drift.readValuesToList(), DriftStatistic.ACCURACY).getValue(), 0);
    }

    private void feedWindow(int w, int n, boolean shifted) {
        feedWindowVersion(w, n, shifted, "v1");
    }

    private void feedWindowVersion(int w, int n, boolean shifted, String version) {
        for (int i = 0; i < n; i++) {
            String id = "img-" + (nextId++);
            Instant t = T0.plus(WINDOW.multipliedBy(w)).plusMillis(10 + (WINDOW.toMillis() - 20) * i / n);
            predictions.pipeInput(id, synthetic(id, version, shifted), t);
        }
    }

    /** Unshifted: confident, classes uniform, embeddings N(0, 1) in 8-D; shifted: less confident, class 0 favoured, mean 0.7. */
    private Prediction synthetic(String id, String version, boolean shifted) {
        float[] e = new float[8];
        for (int d = 0; d < e.length; d++) {
            e[d] = (float) (gaussian() + (shifted ? 0.7 : 0));
        }
        double conf = shifted ? 0.4 + 0.4 * random.nextDouble() : 0.6 + 0.4 * random.nextDouble();
        int cls = shifted && random.nextDouble() < 0.5 ? 0 : random.nextInt(10);
        return Predictions.of(id, version, cls, conf, e, -1);
    }

    private double gaussian() {
        return Math.sqrt(-2 * Math.log(1 - random.nextDouble())) * Math.cos(2 * Math.PI * random.nextDouble());
    }

    private void closeWindow(int w) {
        // A record past the end of window w-1 advances stream time, which closes the earlier windows.
        predictions.pipeInput("tick", Predictions.of("tick", "tick", 0, 0.5, new float[0], -1),
                T0.plus(WINDOW.multipliedBy(w + 1)).plusSeconds(1));
    }

    private static long start(int w) {
        return T0.plus(WINDOW.multipliedBy(w)).toEpochMilli();
    }

    private double gauge(String name, String version) {
        return registry.get(name).tags(Tags.of("model_version", version)).gauge().value();
    }

    private static DriftReport only(List<DriftReport> reports, DriftStatistic statistic) {
        List<DriftReport> found = reports.stream().filter(r -> r.getStatistic().equals(statistic.label())).toList();
        assertEquals(1, found.size(), "one " + statistic.label() + " report in " + reports);
        return found.get(0);
    }

    private static byte[] pngNoisy(int grey) throws Exception {
        BufferedImage img = new BufferedImage(8, 8, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < 8; y++) {
            for (int x = 0; x < 8; x++) {
                img.getRaster().setSample(x, y, 0, Math.max(0, Math.min(255, grey + (x + y) % 3)));
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "png", out);
        return out.toByteArray();
    }
}
