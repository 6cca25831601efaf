package dev.glimpse.explainworker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glimpse.contracts.TopicCatalog;
import dev.glimpse.platform.config.ConfigException;
import dev.glimpse.platform.config.PlatformConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ExplainWorkerConfigTest {

    private static Map<String, Object> minimal() {
        Map<String, Object> raw = new HashMap<>();
        raw.put(ExplainWorkerConfig.MODEL, "model.onnx");
        return raw;
    }

    @Test
    void shouldParseTheDefinitionIntoTheSameConfigAsTheDefaults() {
        // Given only the model (the one required key) and a topic prefix
        Map<String, Object> raw = minimal();
        raw.put(PlatformConfig.TOPIC_PREFIX, "t1-");

        ExplainWorkerConfig parsed = ExplainWorkerConfig.from(ExplainWorkerConfig.DEFINITION.parse(raw));

        // Then it equals the code defaults (defined once): the group id follows the prefix
        ExplainWorkerConfig defaults = ExplainWorkerConfig.defaults(PlatformConfig.common().defaults()
                .getString(PlatformConfig.BOOTSTRAP_SERVERS), new TopicCatalog("t1-", TopicCatalog.DEFAULT_PARTITIONS),
                Path.of("model.onnx"), Path.of("data/artifacts"));
        assertEquals(defaults.toString(), parsed.toString());
        assertEquals("t1-explain-worker", parsed.groupId());
        assertEquals(Duration.ofDays(7), parsed.artifactLimits().maxAge());
        assertEquals(9403, ExplainWorkerConfig.DEFINITION.parse(minimal()).getInt(PlatformConfig.METRICS_PORT));
    }

    @Test
    void shouldRequireTheModel() {
        ConfigException e = assertThrows(ConfigException.class, () -> ExplainWorkerConfig.DEFINITION.parse(Map.of()));
        assertEquals(ExplainWorkerConfig.MODEL, e.key());
    }

    @Test
    void shouldRejectBadValuesNamingTheKeyAndQuotingTheValue() {
        assertRejected(ExplainWorkerConfig.BATCH_MAX, "0");
        assertRejected(ExplainWorkerConfig.DEVICE, "tpu");
        assertRejected(ExplainWorkerConfig.POLICY, "sometimes");
        assertRejected(ExplainWorkerConfig.METHODS, "GradCam");
        assertRejected(ExplainWorkerConfig.INSTANCE_ID, "worker 1");
        assertRejected(ExplainWorkerConfig.BATCH_WAIT, "2m");
        assertRejected(ExplainWorkerConfig.FAITHFULNESS_STEPS, "many");
        // the token parameters of explain --param: a grid must be HxW, a layout one of the three
        assertRejected(ExplanationOptions.PARAMS, "tokens.grid=14");
        assertRejected(ExplanationOptions.PARAMS, "tokens.layout=nlc");
        assertRejected(ExplanationOptions.PARAMS, "tokens.size=7");
        assertRejected(ExplanationOptions.PARAMS, "gradcam");
        assertRejected(ExplanationOptions.PARAMS, "nosuchmethod.steps=3");
        assertRejected(ExplanationOptions.ROAD_PERCENTILES, "0");
        assertRejected(ExplanationOptions.ROAD_PERCENTILES, "half");
        assertRejected(ExplanationOptions.ROAD_NOISE, "-0.5");
    }

    @Test
    void shouldReadMethodParametersAndRoadFromTheDefinition() {
        // Given the worker of a vision transformer with its token grid, a SmoothGrad setting and ROAD at three levels
        Map<String, Object> raw = minimal();
        raw.put(ExplanationOptions.PARAMS, "tokens.grid=2x8, smoothgrad.samples=5");
        raw.put(ExplanationOptions.ROAD_PERCENTILES, "20,50,80");

        ExplanationOptions o = ExplainWorkerConfig.from(ExplainWorkerConfig.DEFINITION.parse(raw)).explanation();

        // Then the library gets them as explain --param would give them, and the scorer has ROAD
        assertEquals(Map.of("tokens.grid", "2x8", "smoothgrad.samples", "5"), o.params());
        assertEquals(List.of(20, 50, 80), o.roadPercentiles());
        assertEquals("2x8", o.options().given().get("tokens.grid"));
        // none given: no parameters, no ROAD (the scores of the event stay the four of before)
        assertEquals(ExplanationOptions.none(), ExplainWorkerConfig.from(ExplainWorkerConfig.DEFINITION.parse(minimal())).explanation());
    }

    @Test
    void shouldRejectABadValueBuiltInCodeToo() {
        ExplainWorkerConfig d = ExplainWorkerConfig.defaults("127.0.0.1:9092", TopicCatalog.defaults(), Path.of("m.onnx"),
                Path.of("a"));

        ConfigException e = assertThrows(ConfigException.class, () -> d.withBatch(0, Duration.ofMillis(1)));

        assertEquals(ExplainWorkerConfig.BATCH_MAX, e.key());
    }

    private static void assertRejected(String key, String value) {
        Map<String, Object> raw = minimal();
        raw.put(key, value);
        ConfigException e = assertThrows(ConfigException.class,
                () -> ExplainWorkerConfig.from(ExplainWorkerConfig.DEFINITION.parse(raw)), key + "=" + value);
        assertEquals(key, e.key());
        assertTrue(e.getMessage().contains("'" + key + "'") && e.getMessage().contains("'" + value + "'"), e.getMessage());
    }
}
