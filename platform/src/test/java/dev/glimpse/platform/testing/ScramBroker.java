package dev.glimpse.platform.testing;

import dev.glimpse.platform.config.KafkaKeys;
import dev.glimpse.platform.kafka.EmbeddedKafkaBroker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.common.config.SaslConfigs;
import org.awaitility.Awaitility;

/**
 * An embedded broker whose clients authenticate with SASL_PLAINTEXT + SCRAM-SHA-256 on an extra listener
 * ({@value #LISTENER}); its PLAINTEXT listener stays for the broker itself and for the test's own set-up (creating
 * the user, topics). One user, created at start; the services are pointed at {@link #bootstrapServers()} with the
 * {@code kafka.*} keys of {@link #serviceKeys}.
 */
public final class ScramBroker implements AutoCloseable {

    public static final String LISTENER = "SASL";
    public static final String MECHANISM = "SCRAM-SHA-256";

    private final EmbeddedKafkaBroker broker;
    private final String user;
    private final String password;

    private ScramBroker(EmbeddedKafkaBroker broker, String user, String password) {
        this.broker = broker;
        this.user = user;
        this.password = password;
    }

    public static ScramBroker start(Path dataDir, String user, String password) throws Exception {
        EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().dataDir(dataDir).preferredPort(0)
                .extraListener(LISTENER, "SASL_PLAINTEXT")
                .brokerProperty("sasl.enabled.mechanisms", MECHANISM)
                .brokerProperty("listener.name.sasl.sasl.enabled.mechanisms", MECHANISM)
                .brokerProperty("listener.name.sasl.scram-sha-256.sasl.jaas.config",
                        "org.apache.kafka.common.security.scram.ScramLoginModule required;")
                .start();
        try {
            try (Admin admin = broker.admin()) {
                admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion(user,
                        new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_256, 4096), password))).all().get(30, TimeUnit.SECONDS);
            }
            ScramBroker scram = new ScramBroker(broker, user, password);
            // the credential reaches the broker's metadata cache a moment after the controller accepted it
            Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                    .until(() -> {
                        try (Admin sasl = Admin.create(scram.clientProperties(password))) {
                            return sasl.describeCluster().clusterId().get(5, TimeUnit.SECONDS) != null;
                        }
                    });
            return scram;
        } catch (Exception | AssertionError e) {
            broker.close();
            throw e;
        }
    }

    /** The SASL listener, for the services' {@code bootstrap.servers}. */
    public String bootstrapServers() {
        return broker.bootstrapServers(LISTENER);
    }

    /** The broker, whose PLAINTEXT listener the test itself may use. */
    public EmbeddedKafkaBroker broker() {
        return broker;
    }

    /** The Glimpse configuration keys of this cluster: bootstrap servers and {@code kafka.*} security settings. */
    public Map<String, Object> serviceKeys(String password) {
        return Map.of("bootstrap.servers", bootstrapServers(), KafkaKeys.SECURITY_PROTOCOL, "SASL_PLAINTEXT",
                KafkaKeys.SASL_MECHANISM, MECHANISM, KafkaKeys.SASL_USERNAME, user, KafkaKeys.SASL_PASSWORD, password);
    }

    public Map<String, Object> serviceKeys() {
        return serviceKeys(password);
    }

    /** Plain Kafka client properties for this user (written here, independently of {@code KafkaKeys}). */
    public Map<String, Object> clientProperties(String password) {
        return Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
                CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_PLAINTEXT",
                SaslConfigs.SASL_MECHANISM, MECHANISM,
                SaslConfigs.SASL_JAAS_CONFIG, "org.apache.kafka.common.security.scram.ScramLoginModule required username=\""
                        + user + "\" password=\"" + password + "\";");
    }

    @Override
    public void close() {
        broker.close();
    }
}
