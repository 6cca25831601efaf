package dev.glimpse.platform.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigDefinitionTest {

    static ConfigDefinition definition() {
        return new ConfigDefinition("ingest")
                .include(PlatformConfig.common())
                .define("http.port", ConfigType.INT, 8081, Validator.between(0, 65535), "HTTP port")
                .define("max.bytes", ConfigType.BYTES, "8MiB", Validator.atLeast(1), "Largest accepted payload")
                .define("max.wait", ConfigType.DURATION, "20ms", Validator.atLeast(0), "Longest wait")
                .define("rate", ConfigType.DOUBLE, 100.0, Validator.atLeast(0), "Events per second")
                .define("formats", ConfigType.LIST, "png,jpeg", Validator.oneOf("png", "jpeg", "gif"), "Accepted formats")
                .define("device", ConfigType.STRING, "auto", Validator.oneOf("auto", "cpu", "cuda"), "Execution device")
                .define("watch.dir", ConfigType.PATH, null, "Directory to watch")
                .define("strict", ConfigType.BOOLEAN, false, "Fail on warnings");
    }

    @Test
    void shouldParseTextValuesIntoTypedValues() {
        Config config = definition().parse(Map.of("http.port", "9000", "max.bytes", "64KiB", "max.wait", "2s",
                "rate", "12.5", "formats", " png , gif ", "watch.dir", "/tmp/in", "strict", "yes"));

        assertEquals(9000, config.getInt("http.port"));
        assertEquals(64 * 1024, config.getBytes("max.bytes"));
        assertEquals(Duration.ofSeconds(2), config.getDuration("max.wait"));
        assertEquals(12.5, config.getDouble("rate"));
        assertEquals(List.of("png", "gif"), config.getList("formats"));
        assertEquals(Path.of("/tmp/in"), config.getPath("watch.dir"));
        assertTrue(config.getBoolean("strict"));
    }

    @Test
    void shouldUseDefaultsForMissingKeys() {
        Config config = definition().defaults();

        assertEquals(8081, config.getInt("http.port"));
        assertEquals(8L * 1024 * 1024, config.getBytes("max.bytes"));
        assertEquals(Duration.ofMillis(20), config.getDuration("max.wait"));
        assertEquals("127.0.0.1:9092", config.getString(PlatformConfig.BOOTSTRAP_SERVERS));
        assertEquals(null, config.get("watch.dir"));
    }

    @Test
    void shouldNameTheKeyAndQuoteTheValueWhenTheTypeIsWrong() {
        ConfigException e = assertThrows(ConfigException.class, () -> definition().parse(Map.of("http.port", "eighty")));

        assertEquals("http.port", e.key());
        assertEquals("Invalid value 'eighty' for configuration 'http.port': expected an int", e.getMessage());
    }

    @Test
    void shouldNameTheKeyAndQuoteTheValueWhenOutOfRange() {
        ConfigException port = assertThrows(ConfigException.class, () -> definition().parse(Map.of("http.port", 70000)));
        assertEquals("Invalid value '70000' for configuration 'http.port': must be between 0 and 65535", port.getMessage());

        ConfigException device = assertThrows(ConfigException.class, () -> definition().parse(Map.of("device", "tpu")));
        assertEquals("Invalid value 'tpu' for configuration 'device': must be one of auto, cpu, cuda", device.getMessage());

        ConfigException servers = assertThrows(ConfigException.class,
                () -> definition().parse(Map.of("bootstrap.servers", "localhost")));
        assertTrue(servers.getMessage().startsWith("Invalid value 'localhost' for configuration 'bootstrap.servers'"),
                servers.getMessage());

        ConfigException wait = assertThrows(ConfigException.class, () -> definition().parse(Map.of("max.wait", "soon")));
        assertTrue(wait.getMessage().contains("'soon'") && wait.getMessage().contains("'max.wait'"), wait.getMessage());
    }

    @Test
    void shouldRejectUnknownKeysUnlessAskedToIgnoreThem() {
        ConfigException e = assertThrows(ConfigException.class, () -> definition().parse(Map.of("http.prot", "1")));
        assertTrue(e.getMessage().startsWith("Unknown configuration 'http.prot'"), e.getMessage());

        Config lenient = definition().parse(Map.of("http.prot", "1", "http.port", "2"), true);
        assertEquals(2, lenient.getInt("http.port"));
    }

    @Test
    void shouldFailWhenARequiredKeyIsMissing() {
        ConfigDefinition def = new ConfigDefinition("x").defineRequired("model.path", ConfigType.PATH, Validator.ANY,
                "ONNX model to serve");

        ConfigException e = assertThrows(ConfigException.class, def::defaults);

        assertEquals("Missing required configuration 'model.path' (ONNX model to serve)", e.getMessage());
    }

    @Test
    void shouldRejectAnInvalidDefaultAtDefinitionTime() {
        assertThrows(ConfigException.class, () -> new ConfigDefinition("x")
                .define("n", ConfigType.INT, 0, Validator.atLeast(1), "must be positive"));
    }

    @Test
    void shouldBeImmutableAndCopyWithOverrides() {
        Config config = definition().defaults();

        assertThrows(UnsupportedOperationException.class, () -> config.values().put("http.port", 1));
        Config changed = config.with(Map.of("http.port", "1234"));
        assertEquals(1234, changed.getInt("http.port"));
        assertEquals(8081, config.getInt("http.port"));
    }

    @Test
    void shouldRenderTheReferenceAsMarkdown() {
        String md = definition().toMarkdown();

        assertTrue(md.startsWith("| key | type | default | valid values | description |\n|---|---|---|---|---|\n"), md);
        assertTrue(md.contains("| `http.port` | int | 8081 | [0, 65535] | HTTP port |"), md);
        assertTrue(md.contains("| `max.bytes` | bytes | 8MiB | ≥ 1 | Largest accepted payload |"), md);
        assertTrue(md.contains("| `max.wait` | duration | 20ms | ≥ 0 | Longest wait |"), md);
        assertTrue(md.contains("| `formats` | list | png,jpeg | png, jpeg, gif | Accepted formats |"), md);
        assertEquals(definition().keys().size() + 2, md.lines().count());
    }
}
