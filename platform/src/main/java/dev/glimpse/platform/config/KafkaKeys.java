package dev.glimpse.platform.config;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.config.SslConfigs;

/**
 * How every Glimpse service reaches a secured Kafka cluster: {@code security.protocol}, SASL (PLAIN, SCRAM) and
 * TLS settings, defined once here and turned by {@link #clientProperties} into the properties of every producer,
 * consumer, admin client and Kafka Streams instance ({@code KafkaClients}, {@code StreamsKeys}). Also how long a
 * service waits for the cluster at start ({@value #CONNECT_TIMEOUT}) before it gives up with one line.
 * Passwords are never logged nor quoted in error messages.
 */
public final class KafkaKeys {

    public static final String SECURITY_PROTOCOL = "kafka.security.protocol";
    public static final String SASL_MECHANISM = "kafka.sasl.mechanism";
    public static final String SASL_USERNAME = "kafka.sasl.username";
    public static final String SASL_PASSWORD = "kafka.sasl.password";
    public static final String SSL_TRUSTSTORE_LOCATION = "kafka.ssl.truststore.location";
    public static final String SSL_TRUSTSTORE_PASSWORD = "kafka.ssl.truststore.password";
    public static final String SSL_TRUSTSTORE_TYPE = "kafka.ssl.truststore.type";
    public static final String SSL_KEYSTORE_LOCATION = "kafka.ssl.keystore.location";
    public static final String SSL_KEYSTORE_PASSWORD = "kafka.ssl.keystore.password";
    public static final String SSL_KEYSTORE_TYPE = "kafka.ssl.keystore.type";
    public static final String SSL_KEY_PASSWORD = "kafka.ssl.key.password";
    public static final String SSL_ENDPOINT_IDENTIFICATION = "kafka.ssl.endpoint.identification.algorithm";
    public static final String CONNECT_TIMEOUT = "kafka.connect.timeout";

    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(30);

    private KafkaKeys() {
    }

    /** The keys, to include in every service's definition (through {@link PlatformConfig#common}). */
    public static ConfigDefinition definition() {
        return new ConfigDefinition("kafka")
                .define(SECURITY_PROTOCOL, ConfigType.STRING, "PLAINTEXT",
                        Validator.oneOf("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"),
                        "Protocol of every Kafka client (producers, consumers, admin, Kafka Streams)")
                .define(SASL_MECHANISM, ConfigType.STRING, "SCRAM-SHA-512",
                        Validator.oneOf("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"),
                        "SASL mechanism when the protocol is SASL_PLAINTEXT or SASL_SSL")
                .define(SASL_USERNAME, ConfigType.STRING, null, "SASL user name (required with a SASL protocol)")
                .define(SASL_PASSWORD, ConfigType.STRING, null,
                        "SASL password (required with a SASL protocol; prefer GLIMPSE_KAFKA_SASL_PASSWORD or a --config file to the command line)")
                .define(SSL_TRUSTSTORE_LOCATION, ConfigType.PATH, null,
                        "Trust store holding the CA of the brokers' certificates (SSL, SASL_SSL; default: the JVM's)")
                .define(SSL_TRUSTSTORE_PASSWORD, ConfigType.STRING, null, "Password of the trust store")
                .define(SSL_TRUSTSTORE_TYPE, ConfigType.STRING, "PKCS12", Validator.oneOf("PKCS12", "JKS", "PEM"),
                        "Format of the trust store")
                .define(SSL_KEYSTORE_LOCATION, ConfigType.PATH, null,
                        "Key store with this client's certificate, for brokers that require client authentication (mTLS)")
                .define(SSL_KEYSTORE_PASSWORD, ConfigType.STRING, null, "Password of the key store")
                .define(SSL_KEYSTORE_TYPE, ConfigType.STRING, "PKCS12", Validator.oneOf("PKCS12", "JKS", "PEM"),
                        "Format of the key store")
                .define(SSL_KEY_PASSWORD, ConfigType.STRING, null, "Password of the private key in the key store")
                .define(SSL_ENDPOINT_IDENTIFICATION, ConfigType.STRING, "https", Validator.oneOf("https", ""),
                        "Check the broker's host name against its certificate (https) or not (empty)")
                .define(CONNECT_TIMEOUT, ConfigType.DURATION, DEFAULT_CONNECT_TIMEOUT, Validator.between(100, 3_600_000),
                        "How long a service waits for the Kafka cluster at start before it exits with one line (code 2)");
    }

    /**
     * The Kafka client properties of the configured security settings (none for PLAINTEXT): pass them to every
     * client. A SASL protocol without user name or password is refused naming the key.
     *
     * @throws ConfigException naming the missing key (never quoting a password)
     */
    public static Map<String, Object> clientProperties(Config config) {
        Map<String, Object> props = new LinkedHashMap<>();
        String protocol = config.getString(SECURITY_PROTOCOL);
        if (protocol.equals("PLAINTEXT")) {
            return props;
        }
        props.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, protocol);
        if (protocol.startsWith("SASL_")) {
            String mechanism = config.getString(SASL_MECHANISM);
            String user = config.getString(SASL_USERNAME);
            String password = config.getString(SASL_PASSWORD);
            if (user == null || user.isEmpty()) {
                throw new ConfigException(SASL_USERNAME, "", "is required when " + SECURITY_PROTOCOL + " is " + protocol);
            }
            if (password == null) {
                throw new ConfigException(SASL_PASSWORD, "", "is required when " + SECURITY_PROTOCOL + " is " + protocol);
            }
            String module = mechanism.equals("PLAIN") ? "org.apache.kafka.common.security.plain.PlainLoginModule"
                    : "org.apache.kafka.common.security.scram.ScramLoginModule";
            props.put(SaslConfigs.SASL_MECHANISM, mechanism);
            props.put(SaslConfigs.SASL_JAAS_CONFIG, module + " required username=\"" + jaasQuoted(user)
                    + "\" password=\"" + jaasQuoted(password) + "\";");
        }
        if (protocol.endsWith("SSL")) {
            putPath(props, SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG, config, SSL_TRUSTSTORE_LOCATION);
            putIfSet(props, SslConfigs.SSL_TRUSTSTORE_PASSWORD_CONFIG, config.getString(SSL_TRUSTSTORE_PASSWORD));
            if (config.get(SSL_TRUSTSTORE_LOCATION) != null) {
                props.put(SslConfigs.SSL_TRUSTSTORE_TYPE_CONFIG, config.getString(SSL_TRUSTSTORE_TYPE));
            }
            putPath(props, SslConfigs.SSL_KEYSTORE_LOCATION_CONFIG, config, SSL_KEYSTORE_LOCATION);
            putIfSet(props, SslConfigs.SSL_KEYSTORE_PASSWORD_CONFIG, config.getString(SSL_KEYSTORE_PASSWORD));
            if (config.get(SSL_KEYSTORE_LOCATION) != null) {
                props.put(SslConfigs.SSL_KEYSTORE_TYPE_CONFIG, config.getString(SSL_KEYSTORE_TYPE));
            }
            putIfSet(props, SslConfigs.SSL_KEY_PASSWORD_CONFIG, config.getString(SSL_KEY_PASSWORD));
            props.put(SslConfigs.SSL_ENDPOINT_IDENTIFICATION_ALGORITHM_CONFIG, config.getString(SSL_ENDPOINT_IDENTIFICATION));
        }
        return props;
    }

    /** How long a service waits for the cluster at start. */
    public static Duration connectTimeout(Config config) {
        return config.getDuration(CONNECT_TIMEOUT);
    }

    private static void putPath(Map<String, Object> props, String kafkaKey, Config config, String key) {
        if (config.get(key) != null) {
            props.put(kafkaKey, config.getPath(key).toAbsolutePath().toString());
        }
    }

    private static void putIfSet(Map<String, Object> props, String kafkaKey, String value) {
        if (value != null) {
            props.put(kafkaKey, value);
        }
    }

    /** A value inside a JAAS double-quoted string: backslashes and quotes escaped. */
    private static String jaasQuoted(String value) {
        return value.replace("\\", "\\\\").replace("\"", "\\\"");
    }
}
