package dev.glimpse.console;

import dev.glimpse.contracts.TopicCatalog;
import dev.glimpse.platform.config.Config;
import dev.glimpse.platform.config.ConfigDefinition;
import dev.glimpse.platform.config.ConfigException;
import dev.glimpse.platform.config.ConfigType;
import dev.glimpse.platform.config.PlatformConfig;
import dev.glimpse.platform.config.Validator;
import dev.glimpse.platform.http.BearerAuth;
import dev.glimpse.platform.http.HttpSettings;
import dev.glimpse.platform.kafka.KafkaClients;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * Configuration of the web console: keys defined once in {@link #KEYS}, the record validated at construction
 * (errors name the key and quote the value; a bad token is never quoted, see {@link BearerAuth}).
 *
 * @param kafka            the cluster and its security settings ({@code kafka.*}): every client of the console (label
 *                         producer, side feeds) is built from it
 * @param catalog          topics
 * @param http             bind address, limits and TLS of the console's listener ({@code http.*}); loopback by default
 * @param port             HTTP port ({@code console.port}, 8080 in the demo; 0 = any free port)
 * @param auth             who may use the write endpoints ({@code auth.*}); null until configured (then the console
 *                         refuses to start)
 * @param modelPath        model file (or model store root) for the model page; may be null
 * @param maxCards         predictions kept in the gallery ({@code console.cards})
 * @param lookback         how far back the topics are read at start ({@code console.lookback})
 * @param labelClasses     classes a label may name beyond the serving model's ({@code console.label.classes}; 0 = the
 *                         announced classes only, any non-negative index until a model is announced)
 */
public record ConsoleConfig(KafkaClients kafka, TopicCatalog catalog, HttpSettings http, int port, BearerAuth auth,
                            Path modelPath, int maxCards, Duration lookback, int labelClasses) {

    public static final String PORT = "console.port";
    public static final String CARDS = "console.cards";
    public static final String LOOKBACK = "console.lookback";
    public static final String LABEL_CLASSES = "console.label.classes";

    /**
     * The console's own keys; the service that hosts the console (the explain worker) includes them next to its own
     * and the common keys.
     */
    public static final ConfigDefinition KEYS = new ConfigDefinition("console")
            .define(PORT, ConfigType.INT, 8080, Validator.between(-1, 65535), "Web console port (0 = any free port, -1 = no console)")
            .define(CARDS, ConfigType.INT, 300, Validator.between(1, 100_000), "Predictions kept in the gallery")
            .define(LOOKBACK, ConfigType.DURATION, Duration.ofMinutes(30), Validator.atLeast(0),
                    "How far back the topics are read at start")
            .define(LABEL_CLASSES, ConfigType.INT, 0, Validator.atLeast(0),
                    "Class indices a label may use: at least this many, more when the serving model announces more "
                            + "(0 = the announced classes; any non-negative index until a model is announced)")
            .include(BearerAuth.definition());

    public ConsoleConfig {
        Objects.requireNonNull(kafka, "kafka");
        Objects.requireNonNull(catalog, "catalog");
        Objects.requireNonNull(http, "http");
        require(port >= 0 && port <= 65535, PORT, port, "0..65535");
        KEYS.ensureValid(CARDS, maxCards);
        require(lookback != null && !lookback.isNegative(), LOOKBACK, lookback, ">= 0");
        KEYS.ensureValid(LABEL_CLASSES, labelClasses);
    }

    /**
     * The console of a parsed configuration that includes {@link #KEYS} and the common keys.
     *
     * @param modelPath model file (or model store root) for the model page; may be null
     */
    public static ConsoleConfig from(Config c, Path modelPath) {
        return new ConsoleConfig(PlatformConfig.kafkaClients(c), PlatformConfig.catalog(c), HttpSettings.from(c),
                c.getInt(PORT), c.getInt(PORT) < 0 ? null : BearerAuth.from(c, "console"), modelPath, c.getInt(CARDS),
                c.getDuration(LOOKBACK), c.getInt(LABEL_CLASSES));
    }

    /** The defaults of {@link #KEYS} on {@code port}, for a cluster without security settings (the embedded one). */
    public static ConsoleConfig defaults(String bootstrapServers, TopicCatalog catalog, int port, Path modelPath) {
        require(bootstrapServers != null && !bootstrapServers.isBlank(), PlatformConfig.BOOTSTRAP_SERVERS, bootstrapServers,
                "host:port list");
        Config keys = KEYS.parse(Map.of(PORT, port));
        return new ConsoleConfig(new KafkaClients(bootstrapServers), catalog, HttpSettings.defaults(), keys.getInt(PORT), null, modelPath,
                keys.getInt(CARDS), keys.getDuration(LOOKBACK), keys.getInt(LABEL_CLASSES));
    }

    /** With {@code t} as the write token (reads stay open); null = authentication off (tests, experiments). */
    public ConsoleConfig withToken(String t) {
        return withAuth(t == null ? BearerAuth.disabled("console") : BearerAuth.of(t, null, false));
    }

    public ConsoleConfig withAuth(BearerAuth a) {
        return new ConsoleConfig(kafka, catalog, http, port, a, modelPath, maxCards, lookback, labelClasses);
    }

    public ConsoleConfig withHttp(HttpSettings settings) {
        return new ConsoleConfig(kafka, catalog, settings, port, auth, modelPath, maxCards, lookback, labelClasses);
    }

    /** With labels allowed up to {@code classes} classes (see {@link #LABEL_CLASSES}). */
    public ConsoleConfig withLabelClasses(int classes) {
        return new ConsoleConfig(kafka, catalog, http, port, auth, modelPath, maxCards, lookback, classes);
    }

    public String bootstrapServers() {
        return kafka.bootstrapServers();
    }

    private static void require(boolean ok, String key, Object value, String expectation) {
        if (!ok) {
            throw new ConfigException(key, value, "expected " + expectation);
        }
    }
}
