package dev.glimpse.explainworker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glimpse.contracts.TopicCatalog;
import dev.glimpse.contracts.events.ImageEvent;
import dev.glimpse.contracts.events.Prediction;
import dev.glimpse.explainworker.load.LoadLimits;
import dev.glimpse.platform.Health;
import dev.glimpse.platform.testing.KafkaBrokerExtension;
import dev.glimpse.platform.testing.KafkaTestContext;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The explain worker under a prediction rate it cannot explain: it sheds load, says so, and recovers. */
@ExtendWith(KafkaBrokerExtension.class)
class ExplainWorkerLoadTest {

    /** Max age (2 s) plus slack for a loaded machine. */
    private static final long WINDOW_NANOS = 5_000_000_000L;

    @TempDir
    Path dir;

    /** Takes {@code msPerItem} of wall time per item, like a real engine whose cost grows with the batch. */
    private static final class SlowEngine implements ExplanationEngine {
        private final FakeEngine inner = new FakeEngine(0);
        private final long msPerItem;

        SlowEngine(long msPerItem) {
            this.msPerItem = msPerItem;
        }

        @Override
        public List<Result> explain(List<ExplainItem> items) {
            try {
                Thread.sleep(msPerItem * items.size());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return inner.explain(items);
        }
    }

    private static long[] second(ArrayDeque<long[]> history) {
        var it = history.iterator();
        it.next();
        return it.next();
    }

    private ExplainWorkerConfig config(KafkaTestContext kafka, String policy, LoadLimits limits) {
        return ExplainWorkerConfig.defaults(kafka.bootstrapServers(), kafka.catalog(), dir.resolve("model.onnx"), dir.resolve("art"))
                .withPolicy(policy).withMethods(List.of("gradcam"), null).withBatch(8, Duration.ofMillis(50))
                .withIdentity(kafka.groupId("explain"), "explain-load").withImageWait(Duration.ofSeconds(2))
                .withLoadLimits(limits);
    }

    @Test
    void shouldBoundLagCountSkipsAndReportDegradedThenUpUnderARateItCannotMeet(KafkaTestContext kafka) throws Exception {
        // Given a worker that needs 25 ms per explanation (capacity about 40/s) and samples every prediction
        TopicCatalog catalog = kafka.catalog();
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        LoadLimits limits = new LoadLimits(Duration.ofSeconds(2), 0.8, 100, Duration.ofSeconds(1));
        ExplainWorker worker = new ExplainWorker(config(kafka, "sample:1.0", limits), new SlowEngine(25),
                new ModelCatalog(null), registry);
        Set<Health.Status> seen = EnumSet.noneOf(Health.Status.class);
        long maxLag = 0;
        int sent = 0;
        try (Producer<String, ImageEvent> images = kafka.clients().producer("load-images", catalog.images());
             Producer<String, Prediction> predictions = kafka.clients().producer("load-predictions", catalog.predictions())) {
            worker.start();
            assertTrue(worker.awaitReady(Duration.ofSeconds(30)));
            // warm up: the image feed caught up and a first cost measured
            for (int i = 0; i < 16; i++) {
                kafka.produce(catalog.images(), "warm-" + i, ExplainWorkerTest.image("warm-" + i));
                kafka.produce(catalog.predictions(), "warm-" + i, ExplainWorkerTest.prediction("warm-" + i, 1, 0.9f, -1));
            }
            Awaitility.await().atMost(60, TimeUnit.SECONDS).until(() -> worker.summary().selected()
                    + worker.summary().skipped().values().stream().mapToLong(Long::longValue).sum() == 16);

            // When predictions arrive at 200/s for 12 s (five times what it can explain)
            long start = System.nanoTime();
            long lastPrint = 0;
            ArrayDeque<long[]> history = new ArrayDeque<>();
            String lagOverBound = null;
            while (System.nanoTime() - start < 12_000_000_000L) {
                long due = (System.nanoTime() - start) / 5_000_000L; // one every 5 ms
                for (; sent < due; sent++) {
                    String id = "load-" + sent;
                    images.send(new ProducerRecord<>(catalog.images().name(), id, ExplainWorkerTest.image(id)));
                    predictions.send(new ProducerRecord<>(catalog.predictions().name(), id,
                            ExplainWorkerTest.prediction(id, sent % 3, 0.9f, -1)));
                }
                images.flush();
                predictions.flush();
                seen.add(worker.health().status());
                long now = System.nanoTime();
                history.addLast(new long[] {now, sent});
                while (history.size() > 1 && second(history)[0] < now - WINDOW_NANOS) {
                    history.removeFirst();
                }
                long lag = worker.backlog();
                maxLag = Math.max(maxLag, lag);
                // what was sent within the window before now: the most the lag may hold if the worker sheds load
                long recent = sent - history.getFirst()[1];
                if (lag > recent + 50) {
                    lagOverBound = "lag " + lag + " > " + recent + " sent in the last " + WINDOW_NANOS / 1_000_000 + " ms + 50";
                }
                if (System.nanoTime() - lastPrint > 500_000_000L) {
                    lastPrint = System.nanoTime();
                    System.err.printf("t=%.1f sent %d lag %d rate %.3f capacity %.1f %s%n", (System.nanoTime() - start) / 1e9, sent,
                            worker.backlog(), worker.budget().sampleRate(1.0), worker.budget().capacityPerSecond(), worker.summary().skipped());
                }
                Thread.sleep(20);
            }

            // Then it said DEGRADED while it could not keep up, with the reason
            assertTrue(seen.contains(Health.Status.DEGRADED), "health seen: " + seen);
            // and the lag stayed bounded by what was sent within the max age plus a few seconds of slack
            assertEquals(null, lagOverBound, "max lag " + maxLag + " of " + sent + " sent");
            assertTrue(maxLag < sent / 2, "max lag " + maxLag + " of " + sent + " sent");
            // and it lowered the sample rate to fit its measured capacity, counting what it did not explain
            double capacity = worker.budget().capacityPerSecond();
            assertTrue(capacity > 0 && capacity < 45, "measured capacity " + capacity + "/s (25 ms per item: at most 40/s)");
            assertTrue(worker.budget().sampleRate(1.0) < 0.5, "sample rate in force " + worker.budget().sampleRate(1.0));
            ExplainSummary s = worker.summary();
            long skipped = s.skipped().values().stream().mapToLong(Long::longValue).sum();
            assertTrue(skipped > 0, "skipped " + s.skipped() + " of " + sent);
            // every prediction was either selected (explained or dead-lettered) or skipped by reason: none was lost
            int total = sent + 16;
            Awaitility.await().atMost(60, TimeUnit.SECONDS).until(() -> worker.summary().selected()
                    + worker.summary().skipped().values().stream().mapToLong(Long::longValue).sum() == total);
            assertEquals(0, worker.backlog());
            // and what was selected is what 25 ms per item allows in the time taken (at most 40/s): the rest was skipped
            double elapsed = (System.nanoTime() - start) / 1e9;
            long selectedAll = worker.summary().selected();
            assertTrue(selectedAll <= 40 * elapsed + 16, "selected " + selectedAll + " in " + elapsed + " s");

            // and once the rate is gone, health is UP again
            Awaitility.await().atMost(30, TimeUnit.SECONDS).until(() -> worker.health().status() == Health.Status.UP);
            String scrape = registry.scrape();
            assertTrue(scrape.contains("glimpse_explain_consumer_lag{partition=\"0\"}"), scrape);
            assertTrue(scrape.contains("glimpse_explain_skipped_total{reason=\"over-capacity\"}"), scrape);
            assertTrue(scrape.contains("glimpse_explain_capacity_per_second "), scrape);
            assertTrue(scrape.contains("glimpse_explain_method_cost_seconds{method=\"gradcam\"}"), scrape);
            // the engine's wall time per item (25 ms) is what the budget charges the method, whatever the events report
            double cost = worker.budget().costs().secondsPerItem("gradcam");
            assertTrue(cost >= 0.02, "gradcam cost " + cost + " s per item, the engine takes 0.025");
        } finally {
            worker.close();
        }
    }

    @Test
    void shouldSkipSelectedPredictionsOlderThanTheMaxAgeAndExplainTheFreshOnes(KafkaTestContext kafka) {
        // Given 20 predictions stamped a minute ago and 3 fresh ones, all low-confidence (priority: never sampled away)
        TopicCatalog catalog = kafka.catalog();
        long old = System.currentTimeMillis() - 60_000;
        try (Producer<String, Prediction> predictions = kafka.clients().producer("age-predictions", catalog.predictions())) {
            for (int i = 0; i < 23; i++) {
                String id = (i < 20 ? "old-" : "new-") + i;
                kafka.produce(catalog.images(), id, ExplainWorkerTest.image(id));
                predictions.send(new ProducerRecord<>(catalog.predictions().name(), null, i < 20 ? old : null, id,
                        ExplainWorkerTest.prediction(id, 1, 0.3f, -1)));
            }
            predictions.flush();
        }
        ExplainWorker worker = new ExplainWorker(config(kafka, "low-confidence:0.5", new LoadLimits(Duration.ofSeconds(10), 0.8,
                1000, Duration.ofSeconds(5))), new FakeEngine(0), new ModelCatalog(null), new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
        try {
            // When the worker reaches them
            worker.start();
            Awaitility.await().atMost(30, TimeUnit.SECONDS).until(() -> worker.summary().explanations() == 3);

            // Then the stale ones are skipped and counted as max-age, the fresh ones explained
            Awaitility.await().atMost(30, TimeUnit.SECONDS).until(() -> worker.summary().skipped().getOrDefault("max-age", 0L) == 20);
            kafka.readAll(catalog.explanations()).forEach(r -> assertTrue(r.key().startsWith("new-"), r.key()));
        } finally {
            worker.close();
        }
    }
}
