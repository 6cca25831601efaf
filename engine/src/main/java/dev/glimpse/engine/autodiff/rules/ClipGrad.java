package dev.glimpse.engine.autodiff.rules;

import dev.glimpse.engine.autodiff.Backward;
import dev.glimpse.engine.autodiff.GradientRule;
import dev.glimpse.engine.autodiff.ReluRule;
import dev.glimpse.engine.graph.ConstValue;

import java.util.Optional;
import java.util.Set;

/**
 * Clip with min/max as inputs (opset 11+) or attributes: dY where min &lt; x &lt; max. A Clip whose min is 0 (ReLU6)
 * is ReLU-like: GUIDED additionally requires dY &gt; 0 and DECONVNET passes dY only where dY &gt; 0.
 * The min (max) tensor receives dY where x is below (above) it.
 */
public final class ClipGrad implements GradientRule {

    @Override
    public Set<String> opTypes() {
        return Set.of("Clip");
    }

    @Override
    public void backward(Backward b) {
        String x = b.input(0);
        String dy = b.gradOut(0);
        if (b.hasInput(1) && b.needsGrad(1)) {
            b.addGrad(1, b.sumToShape(b.where(b.op("Less", x, b.input(1)), dy, b.scalar(0f)), b.output(0), b.input(1)));
        }
        if (b.hasInput(2) && b.needsGrad(2)) {
            b.addGrad(2, b.sumToShape(b.where(b.op("Greater", x, b.input(2)), dy, b.scalar(0f)), b.output(0), b.input(2)));
        }
        if (!b.needsGrad(0)) {
            return;
        }
        String min = bound(b, 1, "min");
        String max = bound(b, 2, "max");
        boolean reluLike = isZero(b, 1, "min");
        String zero = b.scalar(0f);
        if (reluLike && b.reluRule() == ReluRule.DECONVNET) {
            b.addGrad(0, b.op("Relu", dy));
            return;
        }
        String mask = null;
        if (min != null) {
            mask = b.op("Greater", x, min);
        }
        if (max != null) {
            String below = b.op("Less", x, max);
            mask = mask == null ? below : b.op("And", mask, below);
        }
        String passed = reluLike && b.reluRule() == ReluRule.GUIDED ? b.op("Relu", dy) : dy;
        b.addGrad(0, mask == null ? passed : b.where(mask, passed, zero));
    }

    private static String bound(Backward b, int input, String attr) {
        if (b.hasInput(input)) {
            return b.input(input);
        }
        if (b.opset() < 11 && b.node().getAttributeList().stream().anyMatch(a -> a.getName().equals(attr))) {
            return b.scalar(b.attrFloat(attr, 0f));
        }
        return null;
    }

    private static boolean isZero(Backward b, int input, String attr) {
        if (b.hasInput(input)) {
            Optional<ConstValue> c = b.constant(b.input(input));
            return c.isPresent() && c.get().size() == 1 && c.get().real(0) == 0.0;
        }
        return b.opset() < 11 && b.node().getAttributeList().stream().anyMatch(a -> a.getName().equals(attr))
                && b.attrFloat(attr, 1f) == 0f;
    }
}
