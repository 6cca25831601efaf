package dev.glimpse.platform.health;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.glimpse.platform.Health;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class HealthReportTest {

    @Test
    void shouldReportTheWorstCheckWithReasonsAndStay200WhileOnlyDegraded() {
        Map<String, Supplier<Health>> checks = new LinkedHashMap<>();
        checks.put("kafka", Health::up);
        checks.put("explain-worker", () -> Health.degraded("consumer lag 5000 records > 2000"));
        HealthReport degraded = HealthReport.evaluate(checks);
        assertEquals(Health.Status.DEGRADED, degraded.status());
        assertEquals(200, degraded.httpStatus(), "a degraded service still serves");
        assertEquals("{\"status\":\"DEGRADED\",\"checks\":{\"explain-worker\":\"DEGRADED\",\"kafka\":\"UP\"},"
                + "\"reasons\":{\"explain-worker\":\"consumer lag 5000 records > 2000\"}}\n", degraded.json());

        checks.put("model", () -> {
            throw new IllegalStateException("no \"model\"");
        });
        HealthReport down = HealthReport.evaluate(checks);
        assertEquals(503, down.httpStatus());
        assertEquals(Health.Status.DOWN, down.checks().get("model").status());
        assertEquals("java.lang.IllegalStateException: no \"model\"", down.checks().get("model").reason());
        assertEquals(true, down.json().contains("\"model\":\"java.lang.IllegalStateException: no \\\"model\\\"\""), down.json());
    }

    @Test
    void shouldKeepTheOldShapeWhenEverythingIsUp() {
        assertEquals("{\"status\":\"UP\",\"checks\":{\"a\":\"UP\"}}\n", HealthReport.evaluate(Map.of("a", Health::up)).json());
    }
}
