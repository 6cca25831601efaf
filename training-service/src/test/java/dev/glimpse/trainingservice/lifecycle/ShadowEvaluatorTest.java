package dev.glimpse.trainingservice.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class ShadowEvaluatorTest {

    @Test
    void shouldStayPendingUntilEnoughLabeledEvents() {
        ShadowEvaluator eval = new ShadowEvaluator(5);
        for (int i = 0; i < 4; i++) {
            eval.record(1, 1, 0);
        }
        assertEquals(ShadowEvaluator.Verdict.PENDING, eval.verdict());
        eval.record(1, 1, 0);
        assertEquals(ShadowEvaluator.Verdict.PROMOTE, eval.verdict());
    }

    @Test
    void shouldPromoteOnTieAndRejectWhenWorse() {
        ShadowEvaluator tie = new ShadowEvaluator(4);
        tie.record(0, 0, 1); // shadow right
        tie.record(1, 0, 1); // current right
        tie.record(2, 2, 2);
        tie.record(3, 0, 0);
        assertEquals(0.5, tie.shadowAccuracy());
        assertEquals(0.5, tie.currentAccuracy());
        assertEquals(ShadowEvaluator.Verdict.PROMOTE, tie.verdict(), "at least as good promotes");
        assertEquals(0.5, tie.agreement(), 1e-12);

        ShadowEvaluator worse = new ShadowEvaluator(3);
        worse.record(0, 1, 0);
        worse.record(1, 1, 1);
        worse.record(2, 2, 2);
        assertEquals(ShadowEvaluator.Verdict.REJECT, worse.verdict());
    }
}
