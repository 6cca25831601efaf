package dev.glimpse.inference;

import dev.glimpse.contracts.TopicCatalog;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.kafka.clients.consumer.ConsumerConfig;

/**
 * One inference worker alone in a JVM, for the test that kills its process: arguments are bootstrap servers, topic
 * prefix, partitions, group id, worker id and model file. Prints {@code assigned} once it owns partitions, then
 * {@code predictions <n>} (committed so far) every 50 ms, and runs until its process is killed.
 */
public final class ChildWorkerMain {

    private ChildWorkerMain() {
    }

    public static void main(String[] args) throws Exception {
        TopicCatalog catalog = new TopicCatalog(args[1], Integer.parseInt(args[2]));
        InferenceConfig config = InferenceConfig.builder().bootstrapServers(args[0]).groupId(args[3]).workerId(args[4])
                .model(Path.of(args[5])).device("cpu").maxBatchSize(32).maxWait(Duration.ofMillis(5)).intraOpThreads(1)
                // a killed process never says goodbye: the group notices it gone after the session timeout, so
                // keep that at the broker's minimum for the test to stay short
                .kafkaOverride(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 6000)
                .kafkaOverride(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 1000)
                .build();
        InferenceWorker worker = new InferenceWorker(config, catalog, new SimpleMeterRegistry());
        worker.start();
        if (!worker.awaitAssignment(Duration.ofSeconds(60))) {
            System.out.println("not assigned");
            System.exit(2);
        }
        System.out.println("assigned");
        while (worker.isRunning()) {
            System.out.println("predictions " + worker.predictions());
            Thread.sleep(50);
        }
        System.out.println("stopped: " + worker.failure());
        System.exit(1);
    }
}
