package dev.glimpse.platform.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glimpse.platform.config.Config;
import dev.glimpse.platform.config.ConfigException;
import dev.glimpse.platform.config.KafkaKeys;
import dev.glimpse.platform.config.PlatformConfig;
import dev.glimpse.platform.testing.ScramBroker;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The security keys reach the clients, and a service learns within its timeout, in one sentence, why it cannot start. */
class ClusterCheckTest {

    @TempDir
    Path dir;

    @Test
    void shouldSayInOneSentenceWithinTheTimeoutThatNoBrokerListens() throws Exception {
        // Given a port nothing listens on
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        KafkaClients clients = new KafkaClients("127.0.0.1:" + port);

        // When the check runs with a 2-second timeout
        long t0 = System.nanoTime();
        ClusterCheck.ClusterUnavailableException e = assertThrows(ClusterCheck.ClusterUnavailableException.class,
                () -> ClusterCheck.require(clients, Duration.ofSeconds(2)));
        long ms = (System.nanoTime() - t0) / 1_000_000;

        // Then it gives up after about 2 s, naming the address and the key that sets the wait
        assertTrue(ms >= 1900 && ms < 6000, "gave up after " + ms + " ms");
        assertTrue(e.getMessage().contains("cannot reach Kafka at 127.0.0.1:" + port), e.getMessage());
        assertTrue(e.getMessage().contains(KafkaKeys.CONNECT_TIMEOUT), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), "one line");
    }

    @Test
    void shouldAcceptTheRightScramPasswordAndRefuseAWrongOneInOneSentenceWithoutQuotingIt() throws Exception {
        try (ScramBroker broker = ScramBroker.start(dir.resolve("kafka"), "glimpse", "right-secret")) {
            // Given the security keys as a service reads them
            KafkaClients right = PlatformConfig.kafkaClients(config(broker.serviceKeys()));
            KafkaClients wrong = PlatformConfig.kafkaClients(config(broker.serviceKeys("wrong-secret")));
            KafkaClients none = new KafkaClients(broker.bootstrapServers());

            // When / Then: the right password passes
            ClusterCheck.require(right, Duration.ofSeconds(20));

            // a wrong one is refused at once, naming the keys to check and never the password
            long t0 = System.nanoTime();
            ClusterCheck.ClusterUnavailableException e = assertThrows(ClusterCheck.ClusterUnavailableException.class,
                    () -> ClusterCheck.require(wrong, Duration.ofSeconds(20)));
            assertTrue(System.nanoTime() - t0 < 15_000_000_000L, "fails fast, not after the timeout");
            assertTrue(e.getMessage().contains("refused the SASL credentials"), e.getMessage());
            assertTrue(e.getMessage().contains(KafkaKeys.SASL_PASSWORD), e.getMessage());
            assertFalse(e.getMessage().contains("wrong-secret"), "the password is never quoted");
            assertFalse(e.getMessage().contains("\n"), "one line");

            // and a client speaking PLAINTEXT to the SASL listener hears no Kafka answer within its time
            ClusterCheck.ClusterUnavailableException plain = assertThrows(ClusterCheck.ClusterUnavailableException.class,
                    () -> ClusterCheck.require(none, Duration.ofSeconds(3)));
            assertTrue(plain.getMessage().contains("kafka.security.protocol"), plain.getMessage());
        }
    }

    @Test
    void shouldTurnTheKeysIntoClientPropertiesAndRequireCredentialsForSasl() {
        Map<String, Object> keys = new HashMap<>(Map.of(KafkaKeys.SECURITY_PROTOCOL, "SASL_SSL",
                KafkaKeys.SASL_MECHANISM, "PLAIN", KafkaKeys.SASL_USERNAME, "u\"x", KafkaKeys.SASL_PASSWORD, "p\\w",
                KafkaKeys.SSL_TRUSTSTORE_LOCATION, "ca.p12", KafkaKeys.SSL_TRUSTSTORE_PASSWORD, "tp"));
        Map<String, Object> props = KafkaKeys.clientProperties(config(keys));
        assertEquals("SASL_SSL", props.get("security.protocol"));
        assertEquals("PLAIN", props.get("sasl.mechanism"));
        assertEquals("org.apache.kafka.common.security.plain.PlainLoginModule required username=\"u\\\"x\" password=\"p\\\\w\";",
                props.get("sasl.jaas.config"));
        assertEquals(Path.of("ca.p12").toAbsolutePath().toString(), props.get("ssl.truststore.location"));
        assertEquals("tp", props.get("ssl.truststore.password"));
        assertEquals("PKCS12", props.get("ssl.truststore.type"));
        assertEquals("https", props.get("ssl.endpoint.identification.algorithm"));
        assertTrue(KafkaKeys.clientProperties(config(Map.of())).isEmpty(), "PLAINTEXT: nothing added");

        keys.remove(KafkaKeys.SASL_USERNAME);
        ConfigException e = assertThrows(ConfigException.class, () -> KafkaKeys.clientProperties(config(keys)));
        assertEquals(KafkaKeys.SASL_USERNAME, e.key());
        assertFalse(e.getMessage().contains("p\\w"), e.getMessage());
    }

    private static Config config(Map<String, Object> values) {
        return PlatformConfig.common().parse(values);
    }
}
