package dev.glimpse.monitoring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.glimpse.contracts.TopicCatalog;
import dev.glimpse.contracts.events.DriftReport;
import dev.glimpse.contracts.events.ImageEvent;
import dev.glimpse.contracts.events.Label;
import dev.glimpse.contracts.events.Prediction;
import dev.glimpse.platform.config.PlatformConfig;
import dev.glimpse.platform.testing.KafkaBrokerExtension;
import dev.glimpse.platform.testing.KafkaTestContext;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.stream.Collectors;
import javax.imageio.ImageIO;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The monitoring service on a real broker with the demo's shape of traffic: images, predictions (half carrying
 * their label) and late labels spread by image id over 4 partitions. The whole stream is already on the topics
 * when the service starts, as after a restart: its 4 input tasks then run ahead of each other in event time,
 * and the windows must still close with every observation counted.
 */
@ExtendWith(KafkaBrokerExtension.class)
class MonitoringServiceKafkaTest {

    private static final long WINDOW_MS = 5_000;
    private static final int WINDOWS = 8;
    private static final int PER_SECOND = 60;
    private static final int REFERENCE_WINDOWS = 2;

    @Test
    void shouldCloseEveryWindowWithAllItsPredictionsAndExportDriftGaugesOnAMultiPartitionStream(KafkaTestContext kafka)
            throws Exception {
        // Given: 8 windows of 5 s event time, 60 predictions/s with their images; half the predictions carry
        // their label, a quarter get a late label 2 s later (the rest stay unlabeled)
        TopicCatalog topics = kafka.catalog();
        assertEquals(4, topics.predictions().partitions());
        long t0 = (System.currentTimeMillis() / WINDOW_MS - 40) * WINDOW_MS; // aligned, 200 s in the past
        Map<Long, Integer> predictionsPerWindow = new TreeMap<>();
        Map<Long, Integer> labeledPerWindow = new TreeMap<>();
        SplittableRandom random = new SplittableRandom(7);
        byte[][] pngs = {png(60), png(120), png(180)};
        try (Producer<byte[], byte[]> producer = kafka.clients().producer(kafka.topicPrefix() + "feed")) {
            int n = (int) (WINDOWS * WINDOW_MS / 1000 * PER_SECOND);
            for (int i = 0; i < n; i++) {
                String id = "img-" + i + "-" + random.nextInt(1_000_000);
                long t = t0 + i * 1000L / PER_SECOND;
                int truth = random.nextInt(10);
                int predicted = random.nextDouble() < 0.9 ? truth : (truth + 1) % 10;
                int carried = i % 2 == 0 ? truth : -1;
                ImageEvent image = ImageEvent.newBuilder().setImageId(id)
                        .setData(ByteString.copyFrom(pngs[i % pngs.length])).build();
                producer.send(new ProducerRecord<>(topics.images().name(), null, t, topics.images().serializeKey(id),
                        topics.images().serializeValue(image)));
                float[] embedding = new float[8];
                for (int d = 0; d < embedding.length; d++) {
                    embedding[d] = (float) (random.nextDouble() * 2 - 1);
                }
                Prediction p = Predictions.of(id, "v1", predicted, 0.6 + 0.4 * random.nextDouble(), embedding, carried);
                producer.send(new ProducerRecord<>(topics.predictions().name(), null, t + 40,
                        topics.predictions().serializeKey(id), topics.predictions().serializeValue(p)));
                long window = Math.floorDiv(t + 40 - t0, WINDOW_MS);
                predictionsPerWindow.merge(window, 1, Integer::sum);
                if (carried >= 0) {
                    labeledPerWindow.merge(window, 1, Integer::sum);
                } else if (i % 4 == 1) {
                    // a late label is counted in the window of the prediction it is joined with, at the label's time
                    long labelTime = t + 2_000;
                    producer.send(new ProducerRecord<>(topics.labels().name(), null, labelTime,
                            topics.labels().serializeKey(id),
                            topics.labels().serializeValue(Label.newBuilder().setImageId(id).setLabel(truth).build())));
                    labeledPerWindow.merge(Math.floorDiv(labelTime - t0, WINDOW_MS), 1, Integer::sum);
                }
            }
            producer.flush();
        }

        // When: the monitoring service starts with 5 s windows, 1 s grace and a 2-window reference
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        Path state = Files.createTempDirectory("monitoring-kafka-test");
        Map<String, Object> values = new HashMap<>();
        values.put(PlatformConfig.BOOTSTRAP_SERVERS, kafka.bootstrapServers());
        values.put(PlatformConfig.TOPIC_PREFIX, kafka.topicPrefix());
        values.put(MonitoringConfig.WINDOW_SIZE_MS, Long.toString(WINDOW_MS));
        values.put(MonitoringConfig.WINDOW_HOP_MS, Long.toString(WINDOW_MS));
        values.put(MonitoringConfig.WINDOW_GRACE_MS, "1000");
        values.put(MonitoringConfig.REFERENCE_WINDOWS, Integer.toString(REFERENCE_WINDOWS));
        values.put(MonitoringConfig.MIN_WINDOW_EVENTS, "50");
        // A partition counts as idle only after a minute without records: on a loaded machine an input task can wait
        // many seconds for its first fetch, and this test is about ordering, not about idle partitions.
        values.put(MonitoringConfig.SOURCE_IDLE_MS, "60000");
        values.put(MonitoringService.STATE_DIR, state.toString());
        values.put(MonitoringService.MODEL_STORE, state.resolve("models").toString());
        try (MonitoringService service = new MonitoringService(MonitoringService.definition().parse(values), registry)) {
            service.start();

            // Then: within a bounded time, all windows but the last have closed and been reported ...
            Map<Long, List<DriftReport>> byWindow = new TreeMap<>();
            Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
                for (ConsumerRecord<String, DriftReport> r : kafka.readAll(topics.drift())) {
                    byWindow.computeIfAbsent(Math.floorDiv(r.value().getWindowStartMs() - t0, WINDOW_MS),
                            k -> new java.util.ArrayList<>()).add(r.value());
                }
                for (long w = 0; w < WINDOWS - 1; w++) {
                    assertTrue(byWindow.containsKey(w), "window " + w + " not reported yet; reported " + byWindow.keySet());
                }
            });
            // ... each with every one of its predictions and labels (none dropped as late) ...
            for (long w = 0; w < WINDOWS - 1; w++) {
                List<DriftReport> reports = byWindow.get(w);
                Map<String, DriftReport> byStatistic = reports.stream()
                        .collect(Collectors.toMap(DriftReport::getStatistic, r -> r, (a, b) -> a));
                DriftReport accuracy = byStatistic.get(DriftStatistic.ACCURACY.label());
                assertEquals((long) predictionsPerWindow.get(w), accuracy.getEvents(), "predictions counted in window " + w);
                assertEquals((double) labeledPerWindow.get(w), accuracy.getDetailsOrThrow("labeled"), 0,
                        "labels counted in window " + w);
                if (w >= REFERENCE_WINDOWS) {
                    for (DriftStatistic s : List.of(DriftStatistic.CLASS_PSI, DriftStatistic.CLASS_JS,
                            DriftStatistic.CONFIDENCE_KS, DriftStatistic.EMBEDDING_MMD, DriftStatistic.BRIGHTNESS_KS,
                            DriftStatistic.CONTRAST_KS)) {
                        assertTrue(byStatistic.containsKey(s.label()), s.label() + " missing in window " + w + ": "
                                + byStatistic.keySet());
                    }
                    // every image was joined to its prediction: the KS test saw all of them
                    assertEquals((double) predictionsPerWindow.get(w),
                            byStatistic.get(DriftStatistic.BRIGHTNESS_KS.label()).getDetailsOrThrow("window_n"), 0,
                            "images joined in window " + w);
                }
            }
            // ... and the drift gauges are in the registry with finite values
            for (String name : List.of(MonitoringMetrics.PSI, MonitoringMetrics.JS, MonitoringMetrics.KS_PVALUE,
                    MonitoringMetrics.MMD, MonitoringMetrics.MMD_PVALUE, MonitoringMetrics.INPUT_BRIGHTNESS,
                    MonitoringMetrics.INPUT_CONTRAST, MonitoringMetrics.LIVE_ACCURACY)) {
                for (Gauge g : registry.get(name).gauges()) {
                    assertTrue(Double.isFinite(g.value()), name + " " + g.getId().getTags() + " = " + g.value());
                }
            }
            assertTrue(registry.get(MonitoringMetrics.WINDOWS).counter().count() >= WINDOWS - 1);
            assertTrue(registry.find(MonitoringMetrics.LATE).counters().isEmpty(), "no observation came too late");
        }
    }

    private static byte[] png(int grey) throws Exception {
        BufferedImage img = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < 28; y++) {
            for (int x = 0; x < 28; x++) {
                img.getRaster().setSample(x, y, 0, Math.max(0, Math.min(255, grey + 20 * ((x + y) % 3) - 20)));
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "png", out);
        return out.toByteArray();
    }
}
