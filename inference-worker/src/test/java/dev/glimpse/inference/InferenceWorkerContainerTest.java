package dev.glimpse.inference;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.glimpse.contracts.TopicCatalog;
import dev.glimpse.platform.kafka.KafkaClients;
import dev.glimpse.platform.kafka.TopicCreator;
import java.nio.file.Path;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.kafka.KafkaContainer;

/** The end-to-end scenario against a real Apache Kafka container (pinned image) instead of the embedded broker. */
class InferenceWorkerContainerTest {

    static final String KAFKA_IMAGE = "apache/kafka:4.1.1";

    @TempDir
    Path dir;

    @Test
    void shouldPredictEveryImageExactlyOnceAgainstTheApacheKafkaImage() throws Exception {
        assumeTrue(dockerAvailable(), "no Docker engine on this machine: the Testcontainers variant of the end-to-end "
                + "test needs one (the embedded-broker variant in InferenceWorkerKafkaTest ran instead)");
        try (KafkaContainer kafka = new KafkaContainer(KAFKA_IMAGE)) {
            kafka.start();
            TopicCatalog catalog = TopicCatalog.withPrefix("tc.");
            try (Admin admin = new KafkaClients(kafka.getBootstrapServers()).admin("tc-admin")) {
                TopicCreator.createMissing(admin, catalog, (short) 1);
            }
            PipelineScenario.run(kafka.getBootstrapServers(), catalog, "tc-inference", dir);
        }
    }

    private static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
    }
}
