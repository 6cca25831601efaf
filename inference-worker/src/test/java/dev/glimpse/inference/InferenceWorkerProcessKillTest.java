package dev.glimpse.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glimpse.contracts.TopicCatalog;
import dev.glimpse.contracts.events.ImageEvent;
import dev.glimpse.contracts.events.Prediction;
import dev.glimpse.platform.metrics.MetricsServer;
import dev.glimpse.platform.testing.KafkaBrokerExtension;
import dev.glimpse.platform.testing.KafkaTestContext;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A worker whose process is killed (SIGKILL, no shutdown hook, no close) mid-stream: its open transaction and
 * its group membership are left behind as after a real crash, not as after {@link InferenceWorker#crash()}.
 */
@ExtendWith(KafkaBrokerExtension.class)
class InferenceWorkerProcessKillTest {

    private static final int IMAGES = 2000;

    @TempDir
    Path dir;

    @Test
    void shouldPredictEveryImageExactlyOnceWhenAWorkerProcessIsKilledMidStream(KafkaTestContext kafka) throws Exception {
        // Given worker w1 in a child JVM and w2 in this one, in one group on the images topic
        TopicCatalog catalog = kafka.catalog();
        String group = kafka.groupId("killed");
        Path model = BundledModels.extract(BundledModels.FASHION_MNIST_MLP, dir);
        // the broker's minimum session timeout: the test does not wait long for the group to drop the dead process
        Process child = ChildWorkerMain.start(kafka, catalog, group, "w1", model, dir, Duration.ofSeconds(6));
        AtomicLong childPredictions = new AtomicLong();
        CompletableFuture<Void> childAssigned = new CompletableFuture<>();
        Thread reader = readLines(child, childPredictions, childAssigned);
        PrometheusMeterRegistry registry = MetricsServer.newRegistry("kill-test");
        InferenceWorker w2 = PipelineScenario.worker(kafka.bootstrapServers(), catalog, group, "w2", model, registry);
        InferenceWorker w1Again = null;
        AtomicBoolean producing = new AtomicBoolean(true);
        long t0 = System.nanoTime();
        try {
            childAssigned.get(60, TimeUnit.SECONDS);
            long assignedAt = System.nanoTime();
            assertTrue(w2.awaitAssignment(Duration.ofSeconds(60)));

            // When images stream in and the child process is killed once it has committed some predictions ...
            List<ImageEvent> images = TestImages.events("kill-", IMAGES);
            Thread producer = new Thread(() -> produceSteadily(kafka, catalog, images, producing), "kill-test-images");
            producer.start();
            Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> childPredictions.get() >= 200);
            long killedAt = System.nanoTime();
            long killedAfter = childPredictions.get();
            child.destroyForcibly();
            assertTrue(child.waitFor(10, TimeUnit.SECONDS), "the child process died");
            // ... and w1 comes back in this JVM under the same id, which fences the dead one's open transaction
            w1Again = PipelineScenario.worker(kafka.bootstrapServers(), catalog, group, "w1", model, registry);
            producer.join(60_000);

            // Then every image has exactly one committed prediction
            List<ConsumerRecord<byte[], byte[]>> predictions =
                    PipelineScenario.readCommitted(kafka.clients(), catalog.predictions().name(), IMAGES);
            List<String> ids = new ArrayList<>();
            Set<String> workers = new HashSet<>();
            for (ConsumerRecord<byte[], byte[]> r : predictions) {
                Prediction p = catalog.predictions().deserializeValue(r.value());
                ids.add(p.getImageId());
                workers.add(p.getWorkerId());
            }
            assertEquals(IMAGES, ids.size(), "no duplicates under read_committed");
            assertEquals(IMAGES, new HashSet<>(ids).size(), "no image lost");
            assertTrue(workers.containsAll(List.of("w1", "w2")), "both workers served: " + workers);
            assertNull(w2.failure());
            assertNull(w1Again.failure());
            System.out.printf("process kill: child assigned after %.1f s, killed %.1f s later with %d predictions "
                            + "committed, all %d predicted %.1f s after the kill%n", (assignedAt - t0) / 1e9,
                    (killedAt - assignedAt) / 1e9, killedAfter, IMAGES, (System.nanoTime() - killedAt) / 1e9);
        } finally {
            producing.set(false);
            child.destroyForcibly();
            reader.interrupt();
            w2.close();
            if (w1Again != null) {
                w1Again.close();
            }
        }
    }

    private static Thread readLines(Process child, AtomicLong predictions, CompletableFuture<Void> assigned) {
        Thread t = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(child.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    if (line.equals("assigned")) {
                        assigned.complete(null);
                    } else if (line.startsWith("predictions ")) {
                        predictions.set(Long.parseLong(line.substring("predictions ".length())));
                    } else {
                        assigned.completeExceptionally(new IllegalStateException("child worker: " + line));
                    }
                }
            } catch (Exception e) {
                // the child was killed
            }
        }, "kill-test-child-stdout");
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** About 500 images/s, so that the stream is still flowing when the child is killed. */
    private static void produceSteadily(KafkaTestContext kafka, TopicCatalog catalog, List<ImageEvent> images,
                                        AtomicBoolean producing) {
        try (Producer<byte[], byte[]> producer = kafka.clients().producer("kill-test-images")) {
            for (int i = 0; i < images.size() && producing.get(); i++) {
                ImageEvent e = images.get(i).toBuilder().setIngestedAtMs(System.currentTimeMillis()).build();
                producer.send(new ProducerRecord<>(catalog.images().name(),
                        e.getImageId().getBytes(StandardCharsets.UTF_8), e.toByteArray()));
                if (i % 50 == 49) {
                    producer.flush();
                    Thread.sleep(100);
                }
            }
            producer.flush();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
