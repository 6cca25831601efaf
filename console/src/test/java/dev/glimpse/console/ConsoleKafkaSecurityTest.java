package dev.glimpse.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.glimpse.contracts.TopicCatalog;
import dev.glimpse.contracts.events.ClassScore;
import dev.glimpse.contracts.events.Label;
import dev.glimpse.contracts.events.Prediction;
import dev.glimpse.platform.config.Config;
import dev.glimpse.platform.config.ConfigDefinition;
import dev.glimpse.platform.config.KafkaKeys;
import dev.glimpse.platform.config.PlatformConfig;
import dev.glimpse.platform.http.BearerAuth;
import dev.glimpse.platform.kafka.KafkaClients;
import dev.glimpse.platform.testing.ScramBroker;
import dev.glimpse.registry.artifacts.ArtifactStore;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every Kafka client of the console (its label producer, its gallery and monitoring side feeds) is built from the
 * {@code kafka.*} keys: the console works against a broker that only lets SASL/SCRAM clients in.
 */
class ConsoleKafkaSecurityTest {

    private static final String TOKEN = "console-sasl-token";

    @TempDir
    Path dir;

    private static ConfigDefinition definition() {
        return new ConfigDefinition("host").include(PlatformConfig.common()).include(ConsoleConfig.KEYS);
    }

    @Test
    void shouldGiveTheSecuritySettingsToTheClientsOfTheConsole() {
        // Given a host configuration with SASL_SSL settings
        Map<String, Object> keys = new HashMap<>(Map.of(PlatformConfig.BOOTSTRAP_SERVERS, "broker:9093",
                KafkaKeys.SECURITY_PROTOCOL, "SASL_SSL", KafkaKeys.SASL_MECHANISM, "SCRAM-SHA-512",
                KafkaKeys.SASL_USERNAME, "console", KafkaKeys.SASL_PASSWORD, "pw-console",
                KafkaKeys.SSL_TRUSTSTORE_LOCATION, "/etc/glimpse/ca.p12", KafkaKeys.SSL_TRUSTSTORE_PASSWORD, "ts-pass",
                ConsoleConfig.PORT, "0", BearerAuth.TOKEN, TOKEN));
        Config config = definition().parse(keys);

        // When the console's configuration is made from it
        KafkaClients clients = ConsoleConfig.from(config, null).kafka();

        // Then the clients every console client is built from carry them (written here by hand, not by KafkaKeys)
        Map<String, Object> common = clients.commonProperties();
        assertEquals("broker:9093", clients.bootstrapServers());
        assertEquals("SASL_SSL", common.get("security.protocol"));
        assertEquals("SCRAM-SHA-512", common.get("sasl.mechanism"));
        assertTrue(String.valueOf(common.get("sasl.jaas.config")).contains("username=\"console\""), "jaas config");
        assertEquals(Path.of("/etc/glimpse/ca.p12").toAbsolutePath().toString(), common.get("ssl.truststore.location"));
        assertEquals("ts-pass", common.get("ssl.truststore.password"));
    }

    @Test
    void shouldFillTheGalleryAndPublishLabelsThroughASaslOnlyListener() throws Exception {
        try (ScramBroker broker = ScramBroker.start(dir.resolve("kafka"), "console", "console-secret")) {
            // Given topics made over the broker's own PLAINTEXT listener and a console given only the SASL one
            TopicCatalog catalog = new TopicCatalog("consec-", 1);
            broker.broker().createTopics(catalog);
            Map<String, Object> keys = new HashMap<>(broker.serviceKeys());
            keys.put(PlatformConfig.TOPIC_PREFIX, catalog.prefix());
            keys.put(PlatformConfig.TOPIC_PARTITIONS, "1");
            keys.put(ConsoleConfig.PORT, "0");
            keys.put(BearerAuth.TOKEN, TOKEN);
            ConsoleConfig config = ConsoleConfig.from(definition().parse(keys), null);
            ArtifactStore store = new ArtifactStore(dir.resolve("art"), ArtifactStore.Limits.defaults());
            KafkaClients plain = new KafkaClients(broker.broker().bootstrapServers());
            HttpClient http = HttpClient.newHttpClient();
            ObjectMapper json = new ObjectMapper();
            try (ConsoleServer console = new ConsoleServer(config, store, null, new SimpleMeterRegistry())) {
                console.start();
                // When a prediction is written (by the test, over PLAINTEXT)
                try (Producer<byte[], byte[]> producer = plain.producer("consec-test")) {
                    Prediction p = Prediction.newBuilder().setImageId("img-sasl").setModelName("m").setModelVersion("1")
                            .setLabel(-1).addTopK(ClassScore.newBuilder().setClassIndex(1).setClassName("b").setProbability(0.9f))
                            .build();
                    producer.send(new ProducerRecord<>(catalog.predictions().name(),
                            catalog.predictions().serializeKey("img-sasl"), catalog.predictions().serializeValue(p))).get();
                }
                // Then the console's side feed reads it over SASL
                URI cards = URI.create("http://127.0.0.1:" + console.port() + "/api/cards");
                Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> json.readTree(http.send(
                        HttpRequest.newBuilder(cards).build(), HttpResponse.BodyHandlers.ofString()).body()).size() == 1);
                // and its label producer writes over SASL
                HttpResponse<String> posted = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                                + console.port() + "/api/labels")).header("Content-Type", "application/json")
                        .header("Authorization", "Bearer " + TOKEN)
                        .POST(HttpRequest.BodyPublishers.ofString("{\"imageId\":\"img-sasl\",\"label\":1}")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(202, posted.statusCode(), posted.body());
                List<Label> labels = new ArrayList<>();
                try (Consumer<byte[], byte[]> consumer = plain.consumer(null, "consec-reader")) {
                    TopicPartition tp = new TopicPartition(catalog.labels().name(), 0);
                    consumer.assign(List.of(tp));
                    consumer.seekToBeginning(List.of(tp));
                    Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> {
                        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                            labels.add(catalog.labels().deserializeValue(r.value()));
                        }
                        return !labels.isEmpty();
                    });
                }
                assertEquals("img-sasl", labels.get(0).getImageId());
                assertEquals(1, labels.get(0).getLabel());
            }
        }
    }
}
