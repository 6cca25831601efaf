package dev.glimpse.trainingservice.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PromotionPolicyTest {
    private final PromotionPolicy policy = new PromotionPolicy(0.02, 0.05, 10);

    @Test
    void shouldPublishWhenCandidateBeatsMarginAndNoClassDrops() {
        // current: 60/100 per class 30/50, 30/50 ; candidate 70/100: 35/50, 35/50
        HoldoutScore current = new HoldoutScore(new long[] {30, 30}, new long[] {50, 50});
        HoldoutScore candidate = new HoldoutScore(new long[] {35, 35}, new long[] {50, 50});
        PromotionPolicy.Decision d = policy.decide(current, candidate);
        assertTrue(d.publish(), d.reason());
    }

    @Test
    void shouldRefuseWhenGainBelowMargin() {
        HoldoutScore current = new HoldoutScore(new long[] {30, 30}, new long[] {50, 50});
        HoldoutScore candidate = new HoldoutScore(new long[] {31, 30}, new long[] {50, 50}); // +0.01 < 0.02
        PromotionPolicy.Decision d = policy.decide(current, candidate);
        assertFalse(d.publish());
        assertTrue(d.reason().contains("below margin"), d.reason());
    }

    @Test
    void shouldTreatADropOrAGainExactlyAtTheLimitAsWithinIt() {
        // class 0: 13/20 -> 7/20 (0.65 -> 0.35: a drop of 0.3, 0.30000000000000004 in doubles); class 1: 10/20 -> 17/20
        HoldoutScore current = new HoldoutScore(new long[] {13, 10}, new long[] {20, 20});
        HoldoutScore candidate = new HoldoutScore(new long[] {7, 17}, new long[] {20, 20});
        PromotionPolicy atLimit = new PromotionPolicy(0.025, 0.3, 10); // overall 23/40 -> 24/40, a gain of 0.025
        PromotionPolicy.Decision d = atLimit.decide(current, candidate);
        assertTrue(d.publish(), d.reason());
        // one example more lost is over the limit
        HoldoutScore worse = new HoldoutScore(new long[] {6, 18}, new long[] {20, 20});
        PromotionPolicy.Decision refused = atLimit.decide(current, worse);
        assertFalse(refused.publish());
        assertTrue(refused.reason().startsWith("class 0 drops by 0.3500"), refused.reason());
    }

    @Test
    void shouldRefuseWhenOneClassDropsMoreThanAllowedEvenIfOverallBetter() {
        // overall 0.60 -> 0.70, but class 1 drops 0.60 -> 0.50 (0.10 > 0.05)
        HoldoutScore current = new HoldoutScore(new long[] {30, 30}, new long[] {50, 50});
        HoldoutScore candidate = new HoldoutScore(new long[] {45, 25}, new long[] {50, 50});
        PromotionPolicy.Decision d = policy.decide(current, candidate);
        assertFalse(d.publish());
        assertTrue(d.reason().startsWith("class 1 drops"), d.reason());
    }

    @Test
    void shouldAcceptDropExactlyAtTheLimit() {
        // class 1 drops exactly 0.04 (<= 0.05); overall +0.06
        HoldoutScore current = new HoldoutScore(new long[] {30, 30}, new long[] {50, 50});
        HoldoutScore candidate = new HoldoutScore(new long[] {38, 28}, new long[] {50, 50});
        assertTrue(policy.decide(current, candidate).publish());
    }

    @Test
    void shouldRefuseScoresFromDifferentOrTooSmallHoldouts() {
        HoldoutScore a = new HoldoutScore(new long[] {1, 1}, new long[] {2, 2});
        HoldoutScore b = new HoldoutScore(new long[] {2, 2}, new long[] {2, 2});
        assertTrue(policy.decide(a, b).reason().contains("holdout too small"));
        HoldoutScore c = new HoldoutScore(new long[] {30, 30}, new long[] {50, 51});
        HoldoutScore d = new HoldoutScore(new long[] {40, 40}, new long[] {50, 50});
        assertFalse(policy.decide(c, d).publish());
    }

    @Test
    void shouldScoreFromLabelsAndPredictions() {
        HoldoutScore s = HoldoutScore.of(new int[] {0, 0, 1, 1, 2}, new int[] {0, 1, 1, 1, 0}, 3);
        assertEquals(0.6, s.accuracy(), 1e-12);
        assertEquals(0.5, s.classAccuracy(0), 1e-12);
        assertEquals(1.0, s.classAccuracy(1), 1e-12);
        assertEquals(0.0, s.classAccuracy(2), 1e-12);
    }

    @Test
    void shouldRejectInvalidSettingsNamingTheValue() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new PromotionPolicy(0.01, 1.5, 1));
        assertTrue(e.getMessage().contains("1.5"), e.getMessage());
    }
}
