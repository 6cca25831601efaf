package dev.glimpse.console;

import dev.glimpse.contracts.TopicCatalog;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Configuration of the web console, validated at construction (errors name the key and quote the value).
 *
 * @param bootstrapServers Kafka bootstrap servers
 * @param catalog          topics
 * @param bindAddress      address to listen on ({@code console.bind}); loopback by default
 * @param port             HTTP port ({@code console.port}, 8080 in the demo; 0 = any free port)
 * @param token            bearer token required by write endpoints ({@code console.token}); null = none required
 * @param modelPath        model file (or model store root) for the model page; may be null
 * @param maxCards         predictions kept in the gallery ({@code console.cards})
 * @param lookback         how far back the topics are read at start ({@code console.lookback})
 */
public record ConsoleConfig(String bootstrapServers, TopicCatalog catalog, String bindAddress, int port, String token,
                            Path modelPath, int maxCards, Duration lookback) {

    public ConsoleConfig {
        require(bootstrapServers != null && !bootstrapServers.isBlank(), "bootstrap.servers", bootstrapServers, "host:port list");
        Objects.requireNonNull(catalog, "catalog");
        require(bindAddress != null && !bindAddress.isBlank(), "console.bind", bindAddress, "an address such as 127.0.0.1");
        require(port >= 0 && port <= 65535, "console.port", port, "0..65535");
        require(token == null || token.length() >= 8 && token.matches("[\\x21-\\x7e]+"), "console.token", token == null ? null : "***",
                "at least 8 printable characters without spaces");
        require(maxCards >= 1 && maxCards <= 100_000, "console.cards", maxCards, "1..100000");
        require(lookback != null && !lookback.isNegative(), "console.lookback", lookback, ">= 0");
    }

    public static ConsoleConfig defaults(String bootstrapServers, TopicCatalog catalog, int port, Path modelPath) {
        return new ConsoleConfig(bootstrapServers, catalog, "127.0.0.1", port, null, modelPath, 300, Duration.ofMinutes(30));
    }

    public ConsoleConfig withToken(String t) {
        return new ConsoleConfig(bootstrapServers, catalog, bindAddress, port, t, modelPath, maxCards, lookback);
    }

    public ConsoleConfig withBind(String address) {
        return new ConsoleConfig(bootstrapServers, catalog, address, port, token, modelPath, maxCards, lookback);
    }

    private static void require(boolean ok, String key, Object value, String expectation) {
        if (!ok) {
            throw new IllegalArgumentException("invalid configuration " + key + "='" + value + "': expected " + expectation);
        }
    }
}
