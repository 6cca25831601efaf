package dev.glimpse.engine.autodiff;

import dev.glimpse.engine.graph.OnnxModel;
import org.junit.jupiter.api.Test;

/** Finite-difference checks through whole small CNNs (input, intermediate activation and weight gradients). */
class WholeModelGradientTest {

    private static GradientCheck check(OnnxModel m, long... inputShape) {
        return GradientCheck.of(m).randomInput("input", inputShape).eps(1e-3).tolerance(5e-2, 1e-2).maxElements(24);
    }

    @Test
    void shouldMatchFiniteDifferencesThroughConvBnReluPoolGemm() throws Exception {
        check(SmallCnns.vggLike(), 2, 3, 9, 9).wrt("input", "b1", "c1_w", "b1_s", "logits_w").verify();
    }

    @Test
    void shouldMatchFiniteDifferencesThroughResidualBlock() throws Exception {
        check(SmallCnns.residual(), 2, 4, 6, 6).wrt("input", "r1", "c2_w", "b2_bias").verify();
    }

    @Test
    void shouldMatchFiniteDifferencesThroughConcatBlockWithDynamicFlatten() throws Exception {
        check(SmallCnns.concatBlock(), 2, 3, 5, 5).wrt("input", "cat", "b_w", "a_w").verify();
    }

    @Test
    void shouldMatchFiniteDifferencesThroughDepthwiseSeparableBlock() throws Exception {
        check(SmallCnns.depthwiseSeparable(), 2, 4, 6, 6).wrt("input", "dw_w", "pw_w").verify();
    }

    @Test
    void shouldRunFixedBatchExportsAtOtherBatchSizes() throws Exception {
        check(SmallCnns.fixedBatch(), 3, 2, 4, 4).canonicalForward().output("probs").wrt("input", "c_w").verify();
    }

    @Test
    void shouldRunFixedBatchExportsWhoseReshapeTargetIsAssembledFromAConstantBatchAndShapes() throws Exception {
        check(SmallCnns.fixedBatchAssembledTarget(), 3, 2, 4, 4).canonicalForward().output("logits").wrt("input", "c_w").verify();
    }

    @Test
    void shouldRunFixedBatchExportsThatFoldTheBatchIntoDimensionZero() throws Exception {
        check(SmallCnns.fixedBatchFoldedIntoWindows(), 3, 2, 4, 4).canonicalForward().output("logits").wrt("input", "c_w").verify();
    }

    @Test
    void shouldRunFixedBatchExportsWhoseWindowCountIsReadWithShapeAndScaledByTheConstantBatch() throws Exception {
        check(SmallCnns.fixedBatchWindowsFromShapes(), 3, 2, 4, 4).canonicalForward().output("logits")
                .wrt("input", "c_w").verify();
    }
}
