package dev.glimpse.platform.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigSourcesTest {

    @TempDir
    Path dir;

    private ConfigSources sources() {
        return new ConfigSources(ConfigDefinitionTest.definition());
    }

    private Path file(String... keyValues) throws IOException {
        Path f = dir.resolve("service.properties");
        StringBuilder text = new StringBuilder("# a service's settings\n");
        for (int i = 0; i < keyValues.length; i += 2) {
            text.append(keyValues[i]).append('=').append(keyValues[i + 1]).append('\n');
        }
        Files.writeString(f, text);
        return f;
    }

    @Test
    void shouldTakeTheDefinitionsDefaultWhenNoSourceGivesTheKey() {
        Config config = sources().environment(Map.of()).parse();

        assertEquals(9400, config.getInt(PlatformConfig.METRICS_PORT));
        assertEquals(Optional.empty(), sources().source(PlatformConfig.METRICS_PORT));
    }

    @Test
    void shouldLetEachSourceWinOverTheOnesBelowIt() throws IOException {
        // Given metrics.port from every source, each with its own value
        Path f = file("metrics.port", "2");
        Map<String, String> env = Map.of("GLIMPSE_METRICS_PORT", "3");

        // Then each step up the order replaces the value of the step below
        assertEquals(1, port(sources().commandDefaults(Map.of("metrics.port", 1))));
        assertEquals(2, port(sources().commandDefaults(Map.of("metrics.port", 1)).file(f)));
        assertEquals(3, port(sources().commandDefaults(Map.of("metrics.port", 1)).file(f).environment(env)));
        assertEquals(4, port(sources().commandDefaults(Map.of("metrics.port", 1)).file(f).environment(env)
                .overrides(Map.of("metrics.port", "4"))));
        assertEquals(5, port(sources().commandDefaults(Map.of("metrics.port", 1)).file(f).environment(env)
                .overrides(Map.of("metrics.port", "4")).flags(Map.of("metrics.port", 5))));
    }

    @Test
    void shouldApplyThePrecedenceWhateverTheOrderOfTheCalls() throws IOException {
        // Given the flags and -c added first, the file last
        ConfigSources s = sources().flags(Map.of("rate", 9.0)).overrides(Map.of("rate", "8", "max.wait", "3s"))
                .environment(Map.of("GLIMPSE_MAX_WAIT", "4s", "GLIMPSE_HTTP_PORT", "7000"))
                .file(file("rate", "1", "max.wait", "1s", "http.port", "6000", "device", "cpu"));

        Config config = s.parse();

        assertEquals(9.0, config.getDouble("rate"), "the flag beats -c, the environment and the file");
        assertEquals(Duration.ofSeconds(3), config.getDuration("max.wait"), "-c beats the environment and the file");
        assertEquals(7000, config.getInt("http.port"), "the environment beats the file");
        assertEquals("cpu", config.getString("device"), "the file beats the default");
        assertEquals(Optional.of(ConfigSources.Source.FLAG), s.source("rate"));
        assertTrue(s.isGiven("device"));
        assertFalse(s.isGiven("strict"));
    }

    @Test
    void shouldNameTheFileAndTheKeyOfABadValueInAFile() throws IOException {
        Path f = file("http.port", "eighty");

        ConfigException e = assertThrows(ConfigException.class, () -> sources().file(f).parse());

        assertEquals("http.port", e.key());
        assertTrue(e.getMessage().contains(f.toString()) && e.getMessage().contains("'http.port'")
                && e.getMessage().contains("'eighty'"), e.getMessage());
    }

    @Test
    void shouldRefuseAnUnknownKeyInAFileNamingTheFileAndTheKnownKeys() throws IOException {
        Path f = file("http.prot", "8080");

        ConfigException e = assertThrows(ConfigException.class, () -> sources().file(f));

        assertEquals("http.prot", e.key());
        assertTrue(e.getMessage().contains(f.toString()) && e.getMessage().contains("'http.prot'")
                && e.getMessage().contains("http.port"), e.getMessage());
    }

    @Test
    void shouldNameTheEnvironmentVariableOfABadValue() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> sources().environment(Map.of("GLIMPSE_RATE", "fast")).parse());

        assertTrue(e.getMessage().contains("GLIMPSE_RATE") && e.getMessage().contains("'rate'")
                && e.getMessage().contains("'fast'"), e.getMessage());
    }

    @Test
    void shouldIgnoreGlimpseVariablesThatAreNotKeysOfTheService() {
        // GLIMPSE_JAVA_OPTS is for the launcher script, GLIMPSE_TOKEN for the HTTP APIs, GLIMPSE_INGEST_X for another service
        Map<String, String> env = Map.of("GLIMPSE_JAVA_OPTS", "-Xmx1g", "GLIMPSE_TOKEN", "secret",
                "GLIMPSE_INGEST_HTTP_PORT", "not-a-port", "PATH", "/usr/bin", "GLIMPSE_DEVICE", "cuda");

        Config config = sources().environment(env).parse();

        assertEquals("cuda", config.getString("device"));
        assertEquals(8081, config.getInt("http.port"));
    }

    @Test
    void shouldReadAnAliasVariableUnlessTheKeysOwnVariableIsSet() {
        Map<String, String> aliases = Map.of("LEGACY_DEVICE", "device");

        assertEquals("cpu", sources().environment(Map.of("LEGACY_DEVICE", "cpu"), aliases).parse().getString("device"));
        assertEquals("cuda", sources().environment(Map.of("LEGACY_DEVICE", "cpu", "GLIMPSE_DEVICE", "cuda"), aliases)
                .parse().getString("device"));
    }

    @Test
    void shouldRefuseAnUnknownOverrideKey() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> sources().overrides(Map.of("metrics.prot", "1")).parse());

        assertTrue(e.getMessage().contains("'metrics.prot'") && e.getMessage().contains("metrics.port"), e.getMessage());
    }

    @Test
    void shouldSpellTheEnvironmentVariableOfAKeyInUpperSnakeCase() {
        assertEquals("GLIMPSE_METRICS_PORT", ConfigSources.environmentVariable("metrics.port"));
        assertEquals("GLIMPSE_INFERENCE_MAX_BATCH_SIZE", ConfigSources.environmentVariable("inference.max.batch.size"));
    }

    @Test
    void shouldFailOnAMissingFileNamingIt() {
        Path missing = dir.resolve("absent.properties");

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> sources().file(missing));

        assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
    }

    private static int port(ConfigSources s) {
        return s.parse().getInt(PlatformConfig.METRICS_PORT);
    }
}
