package dev.glimpse.platform.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;

class StreamsKeysTest {

    private static ConfigDefinition definition() {
        return new ConfigDefinition("streams-service").include(PlatformConfig.common())
                .include(StreamsKeys.definition(Path.of("data/x"), Duration.ofMillis(200), Duration.ZERO));
    }

    @Test
    void shouldTurnTheKeysIntoStreamsProperties() {
        Config config = definition().parse(Map.of(StreamsKeys.NUM_THREADS, "2",
                StreamsKeys.PROCESSING_GUARANTEE, "exactly_once_v2", StreamsKeys.COMMIT_INTERVAL, "1s",
                PlatformConfig.BOOTSTRAP_SERVERS, "broker:9093"));

        Properties props = StreamsKeys.properties(config, "app");

        assertEquals("app", props.get(StreamsConfig.APPLICATION_ID_CONFIG));
        assertEquals("broker:9093", props.get(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG));
        assertEquals(2, props.get(StreamsConfig.NUM_STREAM_THREADS_CONFIG));
        assertEquals("exactly_once_v2", props.get(StreamsConfig.PROCESSING_GUARANTEE_CONFIG));
        assertEquals(1000L, props.get(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG));
        assertEquals(0L, props.get(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG), "the service's default");
        assertEquals(Path.of("data/x").toAbsolutePath().toString(), props.get(StreamsConfig.STATE_DIR_CONFIG));
        assertEquals("read_committed", props.get(StreamsConfig.consumerPrefix("isolation.level")));
    }

    @Test
    void shouldUseStaticMembershipOnlyWhenAnInstanceIdIsGiven() {
        Properties dynamic = StreamsKeys.properties(definition().parse(Map.of()), "app");
        Properties fixed = StreamsKeys.properties(definition().parse(Map.of(StreamsKeys.INSTANCE_ID, "demo-monitoring",
                StreamsKeys.SESSION_TIMEOUT, "20s")), "app");

        assertEquals(null, dynamic.get(StreamsConfig.consumerPrefix("group.instance.id")));
        assertEquals("demo-monitoring", fixed.get(StreamsConfig.consumerPrefix("group.instance.id")));
        assertEquals(20_000, fixed.get(StreamsConfig.consumerPrefix("session.timeout.ms")));
    }

    @Test
    void shouldRefuseAnUnknownProcessingGuaranteeNamingTheKey() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> definition().parse(Map.of(StreamsKeys.PROCESSING_GUARANTEE, "exactly_once")));

        assertTrue(e.getMessage().contains("'streams.processing.guarantee'") && e.getMessage().contains("'exactly_once'"),
                e.getMessage());
    }
}
