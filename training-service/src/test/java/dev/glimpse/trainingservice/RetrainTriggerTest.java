package dev.glimpse.trainingservice;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class RetrainTriggerTest {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    @Test
    void shouldFireAfterEveryNExamplesAndResetOnStart() {
        RetrainTrigger t = new RetrainTrigger(100, Duration.ZERO, T0);
        t.onExamples(99);
        assertTrue(t.due(T0).isEmpty());
        t.onExamples(1);
        assertTrue(t.due(T0).orElseThrow().startsWith("every-n: 100"));
        t.started(T0);
        assertTrue(t.due(T0).isEmpty());
    }

    @Test
    void shouldFireOnScheduleOnlyWhenThereIsNewData() {
        RetrainTrigger t = new RetrainTrigger(0, Duration.ofMinutes(10), T0);
        assertTrue(t.due(T0.plus(Duration.ofHours(1))).isEmpty(), "no new data, no run");
        t.onExamples(1);
        assertTrue(t.due(T0.plus(Duration.ofMinutes(9))).isEmpty());
        assertTrue(t.due(T0.plus(Duration.ofMinutes(10))).orElseThrow().startsWith("schedule"));
    }

    @Test
    void shouldFireOnDriftAndOperatorRequestsWithTheirReason() {
        RetrainTrigger t = new RetrainTrigger(0, Duration.ZERO, T0);
        t.onDrift("embedding-mmd=0.3 > 0.1");
        assertEquals("drift: embedding-mmd=0.3 > 0.1", t.due(T0).orElseThrow());
        t.started(T0);
        t.request("operator request (HTTP)");
        t.onDrift("later drift");
        assertEquals("operator request (HTTP)", t.due(T0).orElseThrow(), "an operator's request is not overwritten");
    }
}
