package dev.glimpse.engine.autodiff.rules;

import dev.glimpse.engine.autodiff.Backward;
import dev.glimpse.engine.autodiff.GradientRule;

import java.util.Set;

/**
 * Smooth and piecewise-linear activations, from the forward output where that is cheaper:
 * Sigmoid dY·y(1−y); Tanh dY·(1−y²); HardSigmoid dY·alpha where 0 &lt; alpha·x+beta &lt; 1; HardSwish
 * dY·(0 for x &lt; −3, x/3+½ for −3 ≤ x ≤ 3, 1 above, as PyTorch); Elu dY·(1 for x &gt; 0, y+alpha otherwise).
 */
public final class ActivationGrad implements GradientRule {

    @Override
    public Set<String> opTypes() {
        return Set.of("Sigmoid", "Tanh", "HardSigmoid", "HardSwish", "Elu");
    }

    @Override
    public void backward(Backward b) {
        if (!b.needsGrad(0)) {
            return;
        }
        String x = b.input(0);
        String y = b.output(0);
        String dy = b.gradOut(0);
        String one = b.scalar(1f);
        switch (b.node().getOpType()) {
            case "Sigmoid":
                b.addGrad(0, b.mul(dy, b.mul(y, b.sub(one, y))));
                break;
            case "Tanh":
                b.addGrad(0, b.mul(dy, b.sub(one, b.mul(y, y))));
                break;
            case "HardSigmoid": {
                float alpha = b.attrFloat("alpha", 0.2f);
                float beta = b.attrFloat("beta", 0.5f);
                String lin = b.add(b.mul(x, b.scalar(alpha)), b.scalar(beta));
                String mask = b.op("And", b.op("Greater", lin, b.scalar(0f)), b.op("Less", lin, one));
                b.addGrad(0, b.where(mask, b.mul(dy, b.scalar(alpha)), b.scalar(0f)));
                break;
            }
            case "HardSwish": {
                String mid = b.add(b.mul(x, b.scalar(1f / 3f)), b.scalar(0.5f));
                String slope = b.where(b.op("Less", x, b.scalar(-3f)), b.scalar(0f),
                        b.where(b.op("Greater", x, b.scalar(3f)), one, mid));
                b.addGrad(0, b.mul(dy, slope));
                break;
            }
            case "Elu": {
                float alpha = b.attrFloat("alpha", 1f);
                String slope = b.where(b.op("Greater", x, b.scalar(0f)), one, b.add(y, b.scalar(alpha)));
                b.addGrad(0, b.mul(dy, slope));
                break;
            }
            default:
                throw new IllegalStateException(b.describe());
        }
    }
}
