package dev.glimpse.explain.methods;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.onnxruntime.OrtException;
import dev.glimpse.engine.autodiff.ReluRule;
import dev.glimpse.engine.onnx.Onnx;
import dev.glimpse.explain.Batches;
import dev.glimpse.explain.BatchedMethod;
import dev.glimpse.explain.Explainer;
import dev.glimpse.explain.Explanation;
import dev.glimpse.explain.ExplanationMethod;
import dev.glimpse.explain.ExplanationMethod.Request;
import dev.glimpse.explain.Options;
import dev.glimpse.explain.Tensor;
import dev.glimpse.explain.gradient.Differentiator;
import dev.glimpse.explain.gradient.DifferentiatorFactory;
import dev.glimpse.explain.gradient.EngineDifferentiators;
import dev.glimpse.explain.testing.TinyCnn;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A micro-batch explained in one call gives, row by row, what each input gives alone (the single-input path is
 * checked against closed forms in {@link GradientMethodsTest}), with a different target per row; and it costs one
 * gradient run per pass, not one per input.
 */
class BatchedMethodsTest {

    private static final TinyCnn NET = new TinyCnn(11);
    private static final int[] TARGETS = {2, 0, 3, 1, 2};
    private static final AtomicInteger GRADIENT_RUNS = new AtomicInteger();
    private static Explainer explainer;
    private static Tensor batch;

    @BeforeAll
    static void open() throws Exception {
        DifferentiatorFactory engine = new EngineDifferentiators();
        // counts fused forward+backward runs, the ONNX Runtime calls a batch is meant to save
        DifferentiatorFactory counting = (Onnx.ModelProto m, String logits, String layer, ReluRule rule, boolean inputGradient) -> {
            Differentiator d = engine.create(m, logits, layer, rule, inputGradient);
            return new Differentiator() {
                @Override
                public Pass run(Tensor input, Tensor seed) throws OrtException {
                    GRADIENT_RUNS.incrementAndGet();
                    return d.run(input, seed);
                }

                @Override
                public void close() throws OrtException {
                    d.close();
                }
            };
        };
        explainer = new Explainer(NET.model, counting, 64);
        List<Tensor> inputs = new ArrayList<>();
        for (int i = 0; i < TARGETS.length; i++) {
            inputs.add(TinyCnn.input(100 + i));
        }
        batch = Batches.concat(inputs);
    }

    @AfterAll
    static void close() throws Exception {
        explainer.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"gradcam", "gradcam++", "layercam", "xgradcam", "hirescam", "saliency", "guided", "deconvnet",
        "gradxinput", "guided-gradcam", "featuremaps"})
    void shouldGiveEachRowWhatTheInputGivesAloneWhenExplainedAsOneBatch(String name) throws Exception {
        // Given a batch of five different inputs with mixed targets
        ExplanationMethod method = Methods.byName(name);
        assertInstanceOf(BatchedMethod.class, method, name + " should explain a batch in one pass");

        // When the batch is explained at once
        List<Explanation> together = BatchedMethod.run(method, explainer, batch, TARGETS, NET.layer, Options.none());

        // Then row i equals input i explained alone with its own target
        assertEquals(TARGETS.length, together.size());
        for (int i = 0; i < TARGETS.length; i++) {
            Explanation alone = method.explain(explainer, new Request(Batches.range(batch, i, i + 1), TARGETS[i], NET.layer,
                    Options.none()));
            assertArrayEquals(alone.raw().shape(), together.get(i).raw().shape(), name + " row " + i);
            assertArrayEquals(alone.raw().data(), together.get(i).raw().data(), 1e-5f, name + " row " + i);
        }
    }

    @Test
    void shouldRunOneGradientPassPerBatchForGradCam() throws Exception {
        // Given a warmed-up Grad-CAM session
        ExplanationMethod gradcam = Methods.byName("gradcam");
        BatchedMethod.run(gradcam, explainer, batch, TARGETS, NET.layer, Options.none());
        int before = GRADIENT_RUNS.get();

        // When five inputs are explained together
        BatchedMethod.run(gradcam, explainer, batch, TARGETS, NET.layer, Options.none());

        // Then one fused forward+backward run served all of them (five inputs alone would take five)
        assertEquals(1, GRADIENT_RUNS.get() - before);
    }

    @Test
    void shouldFallBackToOneInputAtATimeForMethodsWithoutABatchPath() throws Exception {
        // Given occlusion, which perturbs each input on its own
        ExplanationMethod occlusion = Methods.byName("occlusion");
        Options options = new Options(java.util.Map.of("occlusion.window", "4", "occlusion.stride", "4"));

        // When two inputs are explained through the batch entry point
        List<Explanation> out = BatchedMethod.run(occlusion, explainer, Batches.range(batch, 0, 2), new int[] {2, 0}, NET.layer, options);

        // Then each result is the single-input result
        for (int i = 0; i < 2; i++) {
            Explanation alone = occlusion.explain(explainer, new Request(Batches.range(batch, i, i + 1), i == 0 ? 2 : 0, NET.layer,
                    new Options(java.util.Map.of("occlusion.window", "4", "occlusion.stride", "4"))));
            assertArrayEquals(alone.raw().data(), out.get(i).raw().data(), 1e-6f);
        }
    }

    @Test
    void shouldRejectATargetCountThatDiffersFromTheBatch() {
        // Given a batch of five and two targets / When run / Then the mismatch is named
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BatchedMethod.run(Methods.byName("gradcam"), explainer, batch, new int[] {1, 2}, NET.layer, Options.none()));
        assertEquals("5 inputs but 2 targets", e.getMessage());
    }
}
