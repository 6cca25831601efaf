package dev.glimpse.inference;

import dev.glimpse.contracts.TopicCatalog;
import dev.glimpse.platform.testing.KafkaTestContext;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.kafka.clients.consumer.ConsumerConfig;

/**
 * One inference worker alone in a JVM, for the tests that kill its process: arguments are bootstrap servers, topic
 * prefix, partitions, group id, worker id, model file and the consumer's session timeout in ms. Prints {@code assigned} once it owns partitions, then
 * {@code predictions <n>} (committed so far) every 50 ms, and runs until its process is killed.
 */
public final class ChildWorkerMain {

    private ChildWorkerMain() {
    }

    /**
     * Starts this main in a fresh JVM on the test classpath; its log goes to {@code <logDir>/child-<id>.log}, its
     * stdout is the caller's to read.
     */
    static Process start(KafkaTestContext kafka, TopicCatalog catalog, String group, String id, Path model, Path logDir,
                         Duration sessionTimeout) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-Xss16m", "-Xmx512m", "-cp", System.getProperty("java.class.path"),
                ChildWorkerMain.class.getName(), kafka.bootstrapServers(), catalog.prefix(),
                String.valueOf(catalog.images().partitions()), group, id, model.toString(),
                String.valueOf(sessionTimeout.toMillis()));
        pb.redirectError(logDir.resolve("child-" + id + ".log").toFile());
        return pb.start();
    }

    public static void main(String[] args) throws Exception {
        TopicCatalog catalog = new TopicCatalog(args[1], Integer.parseInt(args[2]));
        InferenceConfig config = InferenceConfig.builder().bootstrapServers(args[0]).groupId(args[3]).workerId(args[4])
                .model(Path.of(args[5])).device("cpu").maxBatchSize(32).maxWait(Duration.ofMillis(5)).intraOpThreads(1)
                // a killed process never says goodbye: the group notices it gone after the session timeout
                .kafkaOverride(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, Integer.parseInt(args[6]))
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
