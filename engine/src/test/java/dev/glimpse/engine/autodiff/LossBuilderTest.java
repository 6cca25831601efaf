package dev.glimpse.engine.autodiff;

import dev.glimpse.engine.exec.GradientSession;
import dev.glimpse.engine.exec.Tensor;
import dev.glimpse.engine.graph.Attributes;
import dev.glimpse.engine.graph.ModelBuilder;
import dev.glimpse.engine.graph.OnnxModel;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

class LossBuilderTest {

    private static OnnxModel classifier() {
        return new ModelBuilder(13).input("x", -1, 4).initializer("w", GradientCheck.randn(12, 21), 3, 4)
                .initializer("b", GradientCheck.randn(3, 22), 3)
                .node("Gemm", new String[] {"x", "w", "b"}, new String[] {"logits"}, Attributes.ofInt("transB", 1))
                .output("logits").build();
    }

    @Test
    void shouldComputeMeanCrossEntropyWithLabelSmoothingAsInClosedForm() throws Exception {
        // Given a linear classifier with the loss appended
        OnnxModel m = LossBuilder.softmaxCrossEntropy("logits").labels("labels").labelSmoothing(0.1f).appendTo(classifier());
        float[] x = GradientCheck.randn(8, 5);
        long[] labels = {2, 0};
        // When the loss is evaluated
        float loss;
        float[] logits;
        try (GradientSession s = GradientSession.open(m)) {
            Map<String, Tensor> r = s.run(Map.of("x", Tensor.of(x, 2, 4), "labels", Tensor.ofLongs(labels, 2)));
            loss = r.get("loss").floats()[0];
            logits = r.get("logits").floats();
        }
        // Then it equals the hand-computed smoothed cross-entropy
        double expected = 0;
        for (int n = 0; n < 2; n++) {
            double max = Math.max(logits[n * 3], Math.max(logits[n * 3 + 1], logits[n * 3 + 2]));
            double z = 0;
            for (int k = 0; k < 3; k++) {
                z += Math.exp(logits[n * 3 + k] - max);
            }
            for (int k = 0; k < 3; k++) {
                double logp = logits[n * 3 + k] - max - Math.log(z);
                double t = (k == labels[n] ? 0.9 : 0) + 0.1 / 3;
                expected -= t * logp / 2;
            }
        }
        assertEquals(expected, loss, 1e-5);
    }

    @Test
    void shouldMatchFiniteDifferencesForLossGradientsWrtWeights() throws Exception {
        OnnxModel m = LossBuilder.softmaxCrossEntropy("logits").labels("labels").labelSmoothing(0.05f).appendTo(classifier());
        GradientCheck.of(m).output("loss").randomInput("x", 5, 4).input("labels", Tensor.ofLongs(new long[] {0, 1, 2, 1, 0}, 5))
                .wrt("w", "b", "x").verify();
        OnnxModel soft = LossBuilder.softmaxCrossEntropy("logits").oneHotLabels("target").appendTo(classifier());
        float[] t = {1, 0, 0, 0, 0.5f, 0.5f};
        GradientCheck.of(soft).output("loss").randomInput("x", 2, 4).input("target", Tensor.of(t, 2, 3)).wrt("w").verify();
    }

    @Test
    void shouldFeedUpdatedWeightsToTheSameSessionWhenTrainablesAreInputs() throws Exception {
        // Given a loss graph whose weights are inputs
        OnnxModel m = LossBuilder.softmaxCrossEntropy("logits").labels("labels").appendTo(classifier());
        GradientGraph g = GradientGraphBuilder.forModel(m).differentiate("loss").wrt("w", "b")
                .trainableAsInputs(List.of("w", "b")).build();
        Map<String, Tensor> feeds = new java.util.HashMap<>(Map.of("x", Tensor.of(GradientCheck.randn(12, 8), 3, 4),
                "labels", Tensor.ofLongs(new long[] {1, 2, 0}, 3)));
        feeds.putAll(GradientSession.initialValues(m, List.of("w", "b")));
        try (GradientSession s = GradientSession.open(g)) {
            float before = s.run(feeds).get("loss").floats()[0];
            // When one SGD step is taken by feeding new weights
            Map<String, Tensor> r = s.run(feeds);
            float[] w = m.initializerFloats("w");
            float[] gw = r.get(g.gradientOf("w")).floats();
            for (int i = 0; i < w.length; i++) {
                w[i] -= 0.5f * gw[i];
            }
            float[] b = m.initializerFloats("b");
            float[] gb = r.get(g.gradientOf("b")).floats();
            for (int i = 0; i < b.length; i++) {
                b[i] -= 0.5f * gb[i];
            }
            feeds.put("w", Tensor.of(w, 3, 4));
            feeds.put("b", Tensor.of(b, 3));
            float after = s.run(feeds).get("loss").floats()[0];
            // Then the loss went down
            org.junit.jupiter.api.Assertions.assertTrue(after < before, "loss " + before + " -> " + after);
        }
    }
}
