package dev.glimpse.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glimpse.contracts.TopicCatalog;
import dev.glimpse.platform.metrics.MetricsServer;
import dev.glimpse.platform.testing.KafkaBrokerExtension;
import dev.glimpse.platform.testing.KafkaTestContext;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * How fast partitions come back after a worker goes away. The consumer's session timeout is Kafka's default, 45 s:
 * a dynamic member whose process was killed holds its partitions (and blocks the rebalance a newcomer starts) for
 * that long. Both cases below must finish well inside it: a worker restarted after a kill under the same id is a
 * static member taking its place back, and a worker stopped cleanly leaves the group at once.
 */
@ExtendWith(KafkaBrokerExtension.class)
class GroupMembershipTest {

    /** Kafka's default consumer session timeout, the workers' too. */
    private static final Duration SESSION_TIMEOUT = Duration.ofSeconds(45);
    /** Well below the session timeout that a lingering member would cost. */
    private static final Duration AT_ONCE = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    private InferenceWorker worker(KafkaTestContext kafka, TopicCatalog catalog, String group, String id) throws Exception {
        InferenceWorker w = new InferenceWorker(InferenceConfig.builder().bootstrapServers(kafka.bootstrapServers())
                .groupId(group).workerId(id).model(BundledModels.extract(BundledModels.FASHION_MNIST_MLP, dir))
                .device("cpu").intraOpThreads(1).build(), catalog, MetricsServer.newRegistry("inference-worker"));
        w.start();
        return w;
    }

    @Test
    void shouldTakeThePartitionsBackAtOnceWhenAKilledWorkerRestartsUnderItsId(KafkaTestContext kafka) throws Exception {
        // Given worker w1 in a child JVM with Kafka's default session timeout, owning every partition
        TopicCatalog catalog = kafka.catalog();
        String group = kafka.groupId("inference");
        Path model = BundledModels.extract(BundledModels.FASHION_MNIST_MLP, dir);
        Process child = ChildWorkerMain.start(kafka, catalog, group, "w1", model, dir, SESSION_TIMEOUT);
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
            assertEquals("assigned", out.readLine(), "the child worker got its partitions (log: child-w1.log)");

            // When its process is killed (no close, no leave) and w1 starts again in this JVM
            child.destroyForcibly();
            assertTrue(child.waitFor(10, TimeUnit.SECONDS), "the child process died");
            long t0 = System.nanoTime();
            try (InferenceWorker again = worker(kafka, catalog, group, "w1")) {
                // Then it has the partitions back long before the dead member's session would expire
                assertTrue(again.awaitAssignment(AT_ONCE), "the restarted worker got the partitions back within " + AT_ONCE);
                System.out.printf("restart after kill -9: partitions back in %.1f s (session timeout %s)%n",
                        (System.nanoTime() - t0) / 1e9, SESSION_TIMEOUT);
            }
        } finally {
            child.destroyForcibly();
        }
    }

    @Test
    void shouldHandThePartitionsOverAtOnceWhenAWorkerStopsCleanly(KafkaTestContext kafka) throws Exception {
        TopicCatalog catalog = kafka.catalog();
        String group = kafka.groupId("inference");
        try (InferenceWorker first = worker(kafka, catalog, group, "w1")) {
            assertTrue(first.awaitAssignment(Duration.ofSeconds(60)), "the first worker got its partitions");
        }
        long t0 = System.nanoTime();
        try (InferenceWorker other = worker(kafka, catalog, group, "w2")) {
            assertTrue(other.awaitAssignment(AT_ONCE), "another worker got the partitions within " + AT_ONCE);
            System.out.printf("after a clean stop: another worker has the partitions in %.1f s%n", (System.nanoTime() - t0) / 1e9);
        }
    }
}
