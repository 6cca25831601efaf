package dev.glimpse.explainworker.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glimpse.contracts.events.ClassScore;
import dev.glimpse.contracts.events.Prediction;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ExplanationPolicyTest {

    private static Prediction prediction(String id, int top1, float p, int label) {
        return Prediction.newBuilder().setImageId(id).setModelVersion("1").setLabel(label)
                .addTopK(ClassScore.newBuilder().setClassIndex(top1).setProbability(p))
                .addTopK(ClassScore.newBuilder().setClassIndex(top1 + 1).setProbability(1 - p)).build();
    }

    @Test
    void shouldSelectEveryPredictionWithAll() {
        assertEquals(Optional.of("all"), ExplanationPolicy.parse("all").select(prediction("a", 0, 0.99f, -1), -1));
    }

    @Test
    void shouldSelectOnlyPredictionsBelowTheConfidenceThreshold() {
        ExplanationPolicy p = ExplanationPolicy.parse("low-confidence:0.6");
        assertEquals(Optional.of("low-confidence"), p.select(prediction("a", 0, 0.59f, -1), -1));
        assertEquals(Optional.empty(), p.select(prediction("b", 0, 0.60f, -1), -1));
        assertEquals(Optional.empty(), p.select(prediction("c", 0, 0.95f, -1), -1));
    }

    @Test
    void shouldSelectPredictionsThatDisagreeWithTheImageLabelOrALaterLabel() {
        ExplanationPolicy p = ExplanationPolicy.parse("disagreement");
        // the label copied into the prediction disagrees
        assertEquals(Optional.of("disagreement"), p.select(prediction("a", 2, 0.9f, 3), -1));
        // agrees
        assertEquals(Optional.empty(), p.select(prediction("b", 2, 0.9f, 2), -1));
        // no label anywhere
        assertEquals(Optional.empty(), p.select(prediction("c", 2, 0.9f, -1), -1));
        // a label from the labels topic wins over the one copied from the image
        assertEquals(Optional.of("disagreement"), p.select(prediction("d", 2, 0.9f, 2), 4));
    }

    @Test
    void shouldSampleAboutTheConfiguredFractionDeterministically() {
        ExplanationPolicy p = ExplanationPolicy.parse("sample:0.25");
        int selected = 0;
        for (int i = 0; i < 4000; i++) {
            Prediction pr = prediction("img-" + i, 0, 0.9f, -1);
            Optional<String> first = p.select(pr, -1);
            // a re-delivered prediction gets the same decision
            assertEquals(first, p.select(pr, -1));
            if (first.isPresent()) {
                selected++;
            }
        }
        // binomial(4000, 0.25): sd ~ 27, allow 5 sd
        assertTrue(Math.abs(selected - 1000) < 140, "selected " + selected + " of 4000 at rate 0.25");
        assertEquals(Optional.empty(), ExplanationPolicy.parse("sample:0").select(prediction("x", 0, 0.9f, -1), -1));
    }

    @Test
    void shouldSelectNothingAutomaticallyWhenOnDemand() {
        assertEquals(Optional.empty(), ExplanationPolicy.parse("on-demand").select(prediction("a", 1, 0.1f, 3), 3));
    }

    @Test
    void shouldCombineTermsAndReportTheFirstMatchingReason() {
        ExplanationPolicy p = ExplanationPolicy.parse("low-confidence:0.5, disagreement");
        assertEquals(Optional.of("low-confidence"), p.select(prediction("a", 1, 0.3f, 2), -1));
        assertEquals(Optional.of("disagreement"), p.select(prediction("b", 1, 0.9f, 2), -1));
        assertEquals(Optional.empty(), p.select(prediction("c", 1, 0.9f, 1), -1));
    }

    @Test
    void shouldRejectBadSpecsNamingTheTerm() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ExplanationPolicy.parse("sometimes"));
        assertTrue(e.getMessage().contains("'sometimes'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ExplanationPolicy.parse("sample:lots"));
        assertTrue(e.getMessage().contains("'lots'"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ExplanationPolicy.parse("sample:1.5"));
        assertThrows(IllegalArgumentException.class, () -> ExplanationPolicy.parse("low-confidence"));
        assertThrows(IllegalArgumentException.class, () -> ExplanationPolicy.parse(""));
    }
}
