package dev.glimpse.engine.autodiff.rules;

import dev.glimpse.engine.autodiff.Backward;
import dev.glimpse.engine.autodiff.GradientRule;
import dev.glimpse.engine.autodiff.ReluRule;

import java.util.Set;

/**
 * Relu and LeakyRelu under the selected {@link ReluRule}: STANDARD is the derivative
 * (LeakyRelu: alpha on the negative side); GUIDED passes dY only where x &gt; 0 and dY &gt; 0; DECONVNET passes dY
 * only where dY &gt; 0.
 */
public final class ReluGrad implements GradientRule {

    @Override
    public Set<String> opTypes() {
        return Set.of("Relu", "LeakyRelu");
    }

    @Override
    public void backward(Backward b) {
        if (!b.needsGrad(0)) {
            return;
        }
        String x = b.input(0);
        String dy = b.gradOut(0);
        String zero = b.scalar(0f);
        switch (b.reluRule()) {
            case DECONVNET:
                b.addGrad(0, b.op("Relu", dy));
                return;
            case GUIDED:
                b.addGrad(0, b.where(b.op("Greater", x, zero), b.op("Relu", dy), zero));
                return;
            default:
                String positive = b.op("Greater", x, zero);
                if (b.node().getOpType().equals("LeakyRelu")) {
                    float alpha = b.attrFloat("alpha", 0.01f);
                    b.addGrad(0, b.where(positive, dy, b.mul(dy, b.scalar(alpha))));
                } else {
                    b.addGrad(0, b.where(positive, dy, zero));
                }
        }
    }
}
