package dev.glimpse.trainingservice;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glimpse.platform.config.ConfigException;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TrainingServiceConfigTest {

    @Test
    void shouldNameKeyAndQuoteValueWhenInvalid() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> TrainingServiceConfig.parse(Map.of(TrainingServiceConfig.HOLDOUT_FRACTION, "1.5")));
        assertTrue(e.getMessage().contains("training.holdout.fraction") && e.getMessage().contains("1.5"), e.getMessage());
        ConfigException classes = assertThrows(ConfigException.class,
                () -> TrainingServiceConfig.parse(Map.of(TrainingServiceConfig.CLASSES, "only-one")));
        assertTrue(classes.getMessage().contains("training.classes"), classes.getMessage());
        assertThrows(ConfigException.class, () -> TrainingServiceConfig.parse(Map.of("training.typo", "1")));
    }

    @Test
    void shouldDeriveTopicsAndPoliciesFromOneConfig() {
        TrainingServiceConfig c = TrainingServiceConfig.parse(Map.of("topics.prefix", "p.",
                TrainingServiceConfig.LABEL_RETENTION, "2h", TrainingServiceConfig.MARGIN, "0.03"));
        assertEquals("p.labels", c.examples().labelsTopic());
        assertEquals("p.training-examples", c.examples().examplesTopic());
        assertEquals(Duration.ofHours(2), c.examples().retention());
        assertEquals(10, c.examples().numClasses());
        assertEquals(0.03, c.promotionPolicy().minMargin());
    }
}
