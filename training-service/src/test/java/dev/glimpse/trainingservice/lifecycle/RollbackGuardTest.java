package dev.glimpse.trainingservice.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class RollbackGuardTest {

    @Test
    void shouldRollBackWhenLiveAccuracyFallsBelowPreviousByMoreThanThreshold() {
        RollbackGuard guard = new RollbackGuard(0.80, 0.05, 100);
        for (int i = 0; i < 99; i++) {
            guard.record(i % 10 < 7); // 0.70
        }
        assertEquals(RollbackGuard.Verdict.PENDING, guard.verdict(), "not before 100 labeled events");
        guard.record(false);
        assertEquals(RollbackGuard.Verdict.ROLL_BACK, guard.verdict()); // 69/100 < 0.75
    }

    @Test
    void shouldKeepWhenWithinThreshold() {
        RollbackGuard guard = new RollbackGuard(0.80, 0.05, 20);
        for (int i = 0; i < 20; i++) {
            guard.record(i % 20 < 16); // 16/20 = 0.80
        }
        assertEquals(RollbackGuard.Verdict.KEEP, guard.verdict());
        RollbackGuard borderline = new RollbackGuard(0.80, 0.05, 20);
        for (int i = 0; i < 20; i++) {
            borderline.record(i < 15); // 0.75: not below 0.75
        }
        assertEquals(RollbackGuard.Verdict.KEEP, borderline.verdict());
    }
}
