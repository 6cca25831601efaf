package dev.glimpse.platform.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glimpse.contracts.TopicCatalog;
import dev.glimpse.platform.config.Config;
import dev.glimpse.platform.config.KafkaKeys;
import dev.glimpse.platform.config.PlatformConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code kafka.*} TLS keys against an embedded broker whose client listener speaks only TLS, with a key pair and
 * certificate made at test time by the JDK's {@code keytool} (no private key is committed): the clients
 * {@link PlatformConfig#kafkaClients} builds round-trip a record over TLS, checking the broker's certificate and
 * host name; a trust store that does not hold the broker's certificate fails the start-up check with one sentence.
 */
class KafkaTlsTest {

    private static final String PASSWORD = "tls-test-pass";

    @TempDir
    static Path dir;

    private static Path brokerKeystore;
    private static Path truststore;
    private static Path otherTruststore;

    @BeforeAll
    static void makeCertificates() throws Exception {
        brokerKeystore = dir.resolve("broker.p12");
        keytool("-genkeypair", "-alias", "broker", "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "2",
                "-dname", "CN=127.0.0.1", "-ext", "SAN=IP:127.0.0.1,DNS:localhost", "-storetype", "PKCS12",
                "-keystore", brokerKeystore.toString(), "-storepass", PASSWORD, "-keypass", PASSWORD);
        Path cert = dir.resolve("broker.pem");
        keytool("-exportcert", "-rfc", "-alias", "broker", "-keystore", brokerKeystore.toString(), "-storepass", PASSWORD,
                "-file", cert.toString());
        truststore = dir.resolve("trust.p12");
        keytool("-importcert", "-noprompt", "-alias", "broker", "-file", cert.toString(), "-storetype", "PKCS12",
                "-keystore", truststore.toString(), "-storepass", PASSWORD);
        // a trust store holding some other certificate: the broker's is not trusted
        Path other = dir.resolve("other.p12");
        keytool("-genkeypair", "-alias", "other", "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "2",
                "-dname", "CN=someone-else", "-storetype", "PKCS12", "-keystore", other.toString(),
                "-storepass", PASSWORD, "-keypass", PASSWORD);
        Path otherCert = dir.resolve("other.pem");
        keytool("-exportcert", "-rfc", "-alias", "other", "-keystore", other.toString(), "-storepass", PASSWORD,
                "-file", otherCert.toString());
        otherTruststore = dir.resolve("other-trust.p12");
        keytool("-importcert", "-noprompt", "-alias", "other", "-file", otherCert.toString(), "-storetype", "PKCS12",
                "-keystore", otherTruststore.toString(), "-storepass", PASSWORD);
    }

    private static void keytool(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "keytool finished");
        assertEquals(0, p.exitValue(), "keytool " + String.join(" ", args) + ":\n" + out);
    }

    private static EmbeddedKafkaBroker tlsBroker(Path data) throws Exception {
        return EmbeddedKafkaBroker.builder().dataDir(data).preferredPort(0)
                .extraListener("TLS", "SSL")
                .brokerProperty("listener.name.tls.ssl.keystore.type", "PKCS12")
                .brokerProperty("listener.name.tls.ssl.keystore.location", brokerKeystore.toString())
                .brokerProperty("listener.name.tls.ssl.keystore.password", PASSWORD)
                .brokerProperty("listener.name.tls.ssl.key.password", PASSWORD)
                .start();
    }

    private static KafkaClients clients(EmbeddedKafkaBroker broker, Path trust) {
        Map<String, Object> keys = new HashMap<>(Map.of(PlatformConfig.BOOTSTRAP_SERVERS, broker.bootstrapServers("TLS"),
                KafkaKeys.SECURITY_PROTOCOL, "SSL", KafkaKeys.SSL_TRUSTSTORE_LOCATION, trust.toString(),
                KafkaKeys.SSL_TRUSTSTORE_PASSWORD, PASSWORD, KafkaKeys.CONNECT_TIMEOUT, "15s"));
        Config config = PlatformConfig.common().parse(keys);
        return PlatformConfig.kafkaClients(config);
    }

    @Test
    void shouldProduceAndConsumeOverTlsWithTheKafkaKeys() throws Exception {
        try (EmbeddedKafkaBroker broker = tlsBroker(dir.resolve("kafka-ok"))) {
            // Given the topics (over the broker's own PLAINTEXT listener) and clients given only the TLS listener
            TopicCatalog catalog = new TopicCatalog("tls-", 1);
            broker.createTopics(catalog);
            KafkaClients tls = clients(broker, truststore);
            assertEquals("SSL", tls.commonProperties().get("security.protocol"));
            ClusterCheck.require(tls, Duration.ofSeconds(20));

            // When a record is produced and consumed through them
            try (Producer<byte[], byte[]> producer = tls.producer("tls-producer")) {
                producer.send(new ProducerRecord<>(catalog.images().name(), "k".getBytes(StandardCharsets.UTF_8),
                        "over-tls".getBytes(StandardCharsets.UTF_8))).get(30, TimeUnit.SECONDS);
            }
            List<String> read = new ArrayList<>();
            try (Consumer<byte[], byte[]> consumer = tls.consumer(null, "tls-consumer")) {
                TopicPartition tp = new TopicPartition(catalog.images().name(), 0);
                consumer.assign(List.of(tp));
                consumer.seekToBeginning(List.of(tp));
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (read.isEmpty() && System.nanoTime() < deadline) {
                    for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                        read.add(new String(r.value(), StandardCharsets.UTF_8));
                    }
                }
            }

            // Then it arrives intact
            assertEquals(List.of("over-tls"), read);
        }
    }

    @Test
    void shouldFailTheStartUpCheckWithOneSentenceWhenTheTrustStoreDoesNotHoldTheBrokersCertificate() throws Exception {
        try (EmbeddedKafkaBroker broker = tlsBroker(dir.resolve("kafka-wrong"))) {
            KafkaClients wrong = clients(broker, otherTruststore);
            long t0 = System.nanoTime();
            ClusterCheck.ClusterUnavailableException e = assertThrows(ClusterCheck.ClusterUnavailableException.class,
                    () -> ClusterCheck.require(wrong, Duration.ofSeconds(15)));
            String message = e.getMessage();
            assertTrue(message.startsWith("TLS handshake with Kafka at " + broker.bootstrapServers("TLS") + " failed"), message);
            assertTrue(message.contains("kafka.ssl.truststore.location"), message);
            assertFalse(message.contains("\n"), "one line: " + message);
            assertFalse(message.contains(PASSWORD), "no password in the message");
            assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(14), "fails at the handshake, not at the timeout");
        }
    }
}
