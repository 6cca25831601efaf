package dev.glimpse.engine.autodiff.rules;

import dev.glimpse.engine.autodiff.Backward;
import dev.glimpse.engine.autodiff.GradientRule;

import java.util.Set;

/**
 * Smooth and piecewise-linear activations, from the forward output where that is cheaper:
 * Sigmoid dY·y(1−y); Tanh dY·(1−y²); HardSigmoid dY·alpha where 0 &lt; alpha·x+beta &lt; 1; HardSwish
 * dY·(0 for x &lt; −3, x/3+½ for −3 ≤ x ≤ 3, 1 above, as PyTorch); Elu dY·(1 for x &gt; 0, y+alpha otherwise);
 * Celu dY·(1 for x &gt; 0, exp(x/alpha) otherwise); Selu dY·gamma·(1 for x &gt; 0, alpha·exp(x) otherwise);
 * Mish (x·tanh(softplus(x))) dY·(t + x·(1−t²)·sigmoid(x)), t = tanh(softplus(x)); Gelu (opset 20),
 * approximate=none: dY·(Φ(x) + x·φ(x)) with Φ(x) = ½(1+erf(x/√2)), φ the standard normal density;
 * approximate=tanh (y = ½x(1+tanh u), u = √(2/π)(x+0.044715x³)): dY·(½(1+t) + ½x(1−t²)·√(2/π)(1+3·0.044715x²)).
 */
public final class ActivationGrad implements GradientRule {

    @Override
    public Set<String> opTypes() {
        return Set.of("Sigmoid", "Tanh", "HardSigmoid", "HardSwish", "Elu", "Celu", "Selu", "Mish", "Gelu");
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
            case "Celu": {
                float alpha = b.attrFloat("alpha", 1f);
                String slope = b.where(b.op("Greater", x, b.scalar(0f)), one, b.op("Exp", b.mul(x, b.scalar(1f / alpha))));
                b.addGrad(0, b.mul(dy, slope));
                break;
            }
            case "Selu": {
                float alpha = b.attrFloat("alpha", 1.67326319217681884765625f);
                float gamma = b.attrFloat("gamma", 1.05070102214813232421875f);
                String slope = b.where(b.op("Greater", x, b.scalar(0f)), b.scalar(gamma),
                        b.mul(b.op("Exp", x), b.scalar(alpha * gamma)));
                b.addGrad(0, b.mul(dy, slope));
                break;
            }
            case "Mish": {
                String t = b.op("Tanh", b.op("Softplus", x));
                String slope = b.add(t, b.mul(b.mul(x, b.sub(one, b.mul(t, t))), b.op("Sigmoid", x)));
                b.addGrad(0, b.mul(dy, slope));
                break;
            }
            case "Gelu":
                b.addGrad(0, b.mul(dy, geluSlope(b, x)));
                break;
            default:
                throw new IllegalStateException(b.describe());
        }
    }

    @Override
    public String unsupportedReason(Backward b) {
        if (b.node().getOpType().equals("Gelu")) {
            String a = b.attrString("approximate", "none");
            return a.equals("none") || a.equals("tanh") ? null : b.describe() + ": approximate='" + a + "'";
        }
        return null;
    }

    private static String geluSlope(Backward b, String x) {
        String one = b.scalar(1f);
        String half = b.scalar(0.5f);
        if (b.attrString("approximate", "none").equals("tanh")) {
            float k = (float) Math.sqrt(2 / Math.PI);
            String x2 = b.mul(x, x);
            String u = b.mul(b.scalar(k), b.add(x, b.mul(b.scalar(0.044715f), b.mul(x2, x))));
            String t = b.op("Tanh", u);
            String du = b.mul(b.scalar(k), b.add(one, b.mul(b.scalar(3 * 0.044715f), x2)));
            return b.add(b.mul(half, b.add(one, t)), b.mul(b.mul(half, x), b.mul(b.sub(one, b.mul(t, t)), du)));
        }
        String cdf = b.mul(half, b.add(one, b.op("Erf", b.mul(x, b.scalar((float) (1 / Math.sqrt(2)))))));
        String pdf = b.mul(b.scalar((float) (1 / Math.sqrt(2 * Math.PI))), b.op("Exp", b.mul(b.mul(x, x), b.scalar(-0.5f))));
        return b.add(cdf, b.mul(x, pdf));
    }
}
