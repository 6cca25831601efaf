package dev.glimpse.engine.autodiff.rules;

import dev.glimpse.engine.autodiff.Backward;
import dev.glimpse.engine.autodiff.GradientRule;

import java.util.List;
import java.util.Set;

/**
 * GlobalAveragePool: dY/(H·W) broadcast over space. GlobalMaxPool: dY where the input equals the maximum (every
 * tied maximum receives the gradient).
 */
public final class GlobalPoolGrad implements GradientRule {

    @Override
    public Set<String> opTypes() {
        return Set.of("GlobalAveragePool", "GlobalMaxPool");
    }

    @Override
    public void backward(Backward b) {
        if (!b.needsGrad(0)) {
            return;
        }
        String x = b.input(0);
        String dy = b.gradOut(0);
        if (b.node().getOpType().equals("GlobalAveragePool")) {
            long[] s = b.shape(x);
            long area = 1;
            for (int i = 2; i < s.length; i++) {
                area *= s[i];
            }
            String scaled = b.mul(dy, b.scalar(1f / area));
            b.addGrad(0, b.op("Expand", List.of(scaled, b.shapeOf(x))));
        } else {
            String mask = b.toFloat(b.op("Equal", x, b.output(0)));
            b.addGrad(0, b.mul(mask, dy));
        }
    }
}
