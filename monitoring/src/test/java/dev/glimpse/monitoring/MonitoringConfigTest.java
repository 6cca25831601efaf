package dev.glimpse.monitoring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glimpse.contracts.TopicCatalog;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class MonitoringConfigTest {

    @Test
    void shouldHaveValidDefaults() {
        MonitoringConfig c = MonitoringConfig.defaults();
        assertEquals(Duration.ofMinutes(1), c.windowSize());
        assertEquals(c.windowSize(), c.windowHop(), "tumbling by default");
        assertTrue(1.0 / (c.mmdPermutations() + 1) < c.alpha(), "the MMD test can reach alpha");
    }

    @Test
    void shouldConfigureTheDemoServiceWithShortWindowsUnderTheDataDirectory() {
        MonitoringService demo = MonitoringService.forDemo("127.0.0.1:9092", TopicCatalog.defaults(),
                Path.of("data"), new SimpleMeterRegistry());
        assertEquals("monitoring", demo.name());
        assertEquals(Duration.ofSeconds(5), demo.settings().windowSize()); // 6,000 images at 150/s: 8 windows
        assertEquals(demo.settings().windowSize(), demo.settings().windowHop());
        assertTrue(!demo.isRunning());
        demo.close();
    }

    @Test
    void shouldNameTheKeyAndQuoteTheValueOfABadSetting() {
        IllegalArgumentException notANumber = assertThrows(IllegalArgumentException.class,
                () -> MonitoringConfig.from(Map.of(MonitoringConfig.ALPHA, "five percent")));
        assertTrue(notANumber.getMessage().contains("monitoring.alpha") && notANumber.getMessage().contains("'five percent'"),
                notANumber.getMessage());
        IllegalArgumentException hop = assertThrows(IllegalArgumentException.class,
                () -> MonitoringConfig.from(Map.of(MonitoringConfig.WINDOW_HOP_MS, "120000")));
        assertTrue(hop.getMessage().contains("monitoring.window.hop.ms") && hop.getMessage().contains("'120000'"), hop.getMessage());
        IllegalArgumentException perms = assertThrows(IllegalArgumentException.class,
                () -> MonitoringConfig.from(Map.of(MonitoringConfig.MMD_PERMUTATIONS, "99")));
        assertTrue(perms.getMessage().contains("monitoring.mmd.permutations") && perms.getMessage().contains("'99'"),
                perms.getMessage());
        IllegalArgumentException negative = assertThrows(IllegalArgumentException.class,
                () -> MonitoringConfig.from(Map.of(MonitoringConfig.REFERENCE_WINDOWS, "0")));
        assertTrue(negative.getMessage().contains("monitoring.reference.windows") && negative.getMessage().contains("'0'"),
                negative.getMessage());
    }

    @Test
    void shouldRejectABadValueOfTheServiceDefinitionNamingTheKey() {
        // Given the keys typed by the service definition (not every value a string any more)
        IllegalArgumentException notAnInt = assertThrows(IllegalArgumentException.class,
                () -> MonitoringService.definition().parse(Map.of(MonitoringConfig.SAMPLE_SIZE, "lots")));
        assertTrue(notAnInt.getMessage().contains("'monitoring.sample.size'") && notAnInt.getMessage().contains("'lots'"),
                notAnInt.getMessage());
        IllegalArgumentException alpha = assertThrows(IllegalArgumentException.class,
                () -> MonitoringService.definition().parse(Map.of(MonitoringConfig.ALPHA, "1")));
        assertTrue(alpha.getMessage().contains("'monitoring.alpha'") && alpha.getMessage().contains("'1'"), alpha.getMessage());
        IllegalArgumentException guarantee = assertThrows(IllegalArgumentException.class,
                () -> MonitoringService.definition().parse(Map.of("streams.processing.guarantee", "twice")));
        assertTrue(guarantee.getMessage().contains("'streams.processing.guarantee'"), guarantee.getMessage());
    }

    @Test
    void shouldRunTheStreamsWithTheSharedKeysAndTheMonitorsDefaults() {
        Properties props = MonitoringService.streamsProperties(MonitoringService.definition().defaults(),
                TopicCatalog.defaults());
        assertEquals(5000L, props.get("max.task.idle.ms"), "waits for the slower of images and predictions");
        assertEquals(1000L, props.get("commit.interval.ms"));
        assertEquals(9405, MonitoringService.definition().defaults().getInt("metrics.port"));
    }
}
