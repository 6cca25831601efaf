package dev.glimpse.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glimpse.contracts.TopicCatalog;
import dev.glimpse.platform.config.Config;
import dev.glimpse.platform.config.ConfigDefinition;
import dev.glimpse.platform.config.ConfigException;
import dev.glimpse.platform.config.PlatformConfig;
import dev.glimpse.platform.http.HttpSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConsoleConfigTest {

    private static ConfigDefinition definition() {
        return new ConfigDefinition("host").include(PlatformConfig.common()).include(ConsoleConfig.KEYS);
    }

    @Test
    void shouldReadTheConsoleKeysOfAHostServicesConfiguration() {
        Config c = definition().parse(Map.of(ConsoleConfig.PORT, "0", ConsoleConfig.CARDS, "50",
                ConsoleConfig.LOOKBACK, "5m", ConsoleConfig.TOKEN, "s3cret-token"));

        ConsoleConfig console = ConsoleConfig.from(c, Path.of("m.onnx"));

        assertEquals(0, console.port());
        assertEquals(50, console.maxCards());
        assertEquals(Duration.ofMinutes(5), console.lookback());
        assertEquals("s3cret-token", console.token());
        assertEquals("127.0.0.1", console.http().bind(), "loopback unless told otherwise");
    }

    @Test
    void shouldDefaultToTheKeysDefaults() {
        ConsoleConfig d = ConsoleConfig.defaults("127.0.0.1:9092", TopicCatalog.defaults(), 8080, null);
        assertEquals(300, d.maxCards());
        assertEquals(Duration.ofMinutes(30), d.lookback());
    }

    @Test
    void shouldRejectBadValuesNamingTheKeyAndQuotingTheValue() {
        assertRejected(ConsoleConfig.PORT, "70000");
        assertRejected(ConsoleConfig.CARDS, "0");
        assertRejected(ConsoleConfig.LOOKBACK, "yesterday");
        assertRejected(HttpSettings.BIND, " ");
    }

    @Test
    void shouldRejectAShortTokenWithoutPrintingIt() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> definition().parse(Map.of(ConsoleConfig.TOKEN, "abc")));

        assertEquals(ConsoleConfig.TOKEN, e.key());
        assertTrue(e.getMessage().contains("'console.token'"), e.getMessage());
        assertFalse(e.getMessage().contains("abc"), "the token is a secret: " + e.getMessage());
    }

    private static void assertRejected(String key, String value) {
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConsoleConfig.from(definition().parse(Map.of(key, value)), null), key + "=" + value);
        assertEquals(key, e.key());
        assertTrue(e.getMessage().contains("'" + key + "'") && e.getMessage().contains("'" + value + "'"), e.getMessage());
    }
}
