package dev.glimpse.console;

import dev.glimpse.contracts.TopicCatalog;
import dev.glimpse.platform.config.Config;
import dev.glimpse.platform.config.ConfigDefinition;
import dev.glimpse.platform.config.ConfigException;
import dev.glimpse.platform.config.ConfigType;
import dev.glimpse.platform.config.PlatformConfig;
import dev.glimpse.platform.config.Validator;
import dev.glimpse.platform.http.HttpSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * Configuration of the web console: keys defined once in {@link #KEYS}, the record validated at construction
 * (errors name the key and quote the value; a bad token is never quoted).
 *
 * @param bootstrapServers Kafka bootstrap servers
 * @param catalog          topics
 * @param http             bind address, limits and TLS of the console's listener ({@code http.*}); loopback by default
 * @param port             HTTP port ({@code console.port}, 8080 in the demo; 0 = any free port)
 * @param token            bearer token required by write endpoints ({@code console.token}); null = none required
 * @param modelPath        model file (or model store root) for the model page; may be null
 * @param maxCards         predictions kept in the gallery ({@code console.cards})
 * @param lookback         how far back the topics are read at start ({@code console.lookback})
 */
public record ConsoleConfig(String bootstrapServers, TopicCatalog catalog, HttpSettings http, int port, String token,
                            Path modelPath, int maxCards, Duration lookback) {

    public static final String PORT = "console.port";
    public static final String TOKEN = "console.token";
    public static final String CARDS = "console.cards";
    public static final String LOOKBACK = "console.lookback";

    /**
     * The console's own keys; the service that hosts the console (the explain worker) includes them next to its own
     * and the common keys.
     */
    public static final ConfigDefinition KEYS = new ConfigDefinition("console")
            .define(PORT, ConfigType.INT, 8080, Validator.between(-1, 65535), "Web console port (0 = any free port, -1 = no console)")
            .define(TOKEN, ConfigType.STRING, null, tokenValidator(),
                    "Bearer token required by the console's write endpoints (none = open); never logged")
            .define(CARDS, ConfigType.INT, 300, Validator.between(1, 100_000), "Predictions kept in the gallery")
            .define(LOOKBACK, ConfigType.DURATION, Duration.ofMinutes(30), Validator.atLeast(0),
                    "How far back the topics are read at start");

    public ConsoleConfig {
        require(bootstrapServers != null && !bootstrapServers.isBlank(), PlatformConfig.BOOTSTRAP_SERVERS, bootstrapServers,
                "host:port list");
        Objects.requireNonNull(catalog, "catalog");
        Objects.requireNonNull(http, "http");
        require(port >= 0 && port <= 65535, PORT, port, "0..65535");
        KEYS.ensureValid(TOKEN, token);
        KEYS.ensureValid(CARDS, maxCards);
        require(lookback != null && !lookback.isNegative(), LOOKBACK, lookback, ">= 0");
    }

    /**
     * The console of a parsed configuration that includes {@link #KEYS} and the common keys.
     *
     * @param modelPath model file (or model store root) for the model page; may be null
     */
    public static ConsoleConfig from(Config c, Path modelPath) {
        return new ConsoleConfig(c.getString(PlatformConfig.BOOTSTRAP_SERVERS), PlatformConfig.catalog(c), HttpSettings.from(c),
                c.getInt(PORT), c.getString(TOKEN), modelPath, c.getInt(CARDS), c.getDuration(LOOKBACK));
    }

    /** The defaults of {@link #KEYS} on {@code port}. */
    public static ConsoleConfig defaults(String bootstrapServers, TopicCatalog catalog, int port, Path modelPath) {
        Config keys = KEYS.parse(Map.of(PORT, port));
        return new ConsoleConfig(bootstrapServers, catalog, HttpSettings.defaults(), keys.getInt(PORT), null, modelPath,
                keys.getInt(CARDS), keys.getDuration(LOOKBACK));
    }

    public ConsoleConfig withToken(String t) {
        return new ConsoleConfig(bootstrapServers, catalog, http, port, t, modelPath, maxCards, lookback);
    }

    public ConsoleConfig withHttp(HttpSettings settings) {
        return new ConsoleConfig(bootstrapServers, catalog, settings, port, token, modelPath, maxCards, lookback);
    }

    /** At least 8 printable characters without spaces; the error shows {@code ***}, never the token. */
    private static Validator tokenValidator() {
        return new Validator() {
            @Override
            public void ensureValid(String key, Object value) {
                String t = (String) value;
                if (t != null && !(t.length() >= 8 && t.matches("[\\x21-\\x7e]+"))) {
                    throw new ConfigException(key, "***", "expected at least 8 printable characters without spaces");
                }
            }

            @Override
            public String describe() {
                return "at least 8 printable characters, no spaces";
            }
        };
    }

    private static void require(boolean ok, String key, Object value, String expectation) {
        if (!ok) {
            throw new ConfigException(key, value, "expected " + expectation);
        }
    }
}
