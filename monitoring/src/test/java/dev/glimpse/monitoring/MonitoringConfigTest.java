package dev.glimpse.monitoring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
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
        MonitoringService demo = MonitoringService.forDemo("127.0.0.1:9092", dev.glimpse.contracts.TopicCatalog.defaults(),
                java.nio.file.Path.of("data"), new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
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
}
