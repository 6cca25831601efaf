package dev.glimpse.engine.autodiff.rules;

import dev.glimpse.engine.autodiff.Backward;
import dev.glimpse.engine.autodiff.GradientRule;

import java.util.Set;

/**
 * Elementary functions: Neg, Exp, Log, Sqrt, Abs, Reciprocal, Softplus, Erf, and Cast between float types
 * (gradient passes through; casts to integers stop it).
 */
public final class UnaryMathGrad implements GradientRule {

    @Override
    public Set<String> opTypes() {
        return Set.of("Neg", "Exp", "Log", "Sqrt", "Abs", "Reciprocal", "Softplus", "Erf", "Cast");
    }

    @Override
    public void backward(Backward b) {
        if (!b.needsGrad(0)) {
            return;
        }
        String x = b.input(0);
        String y = b.output(0);
        String dy = b.gradOut(0);
        switch (b.node().getOpType()) {
            case "Neg":
                b.addGrad(0, b.neg(dy));
                break;
            case "Exp":
                b.addGrad(0, b.mul(dy, y));
                break;
            case "Log":
                b.addGrad(0, b.div(dy, x));
                break;
            case "Sqrt":
                b.addGrad(0, b.div(dy, b.mul(y, b.scalar(2f))));
                break;
            case "Abs":
                b.addGrad(0, b.mul(dy, b.op("Sign", x)));
                break;
            case "Reciprocal":
                b.addGrad(0, b.neg(b.mul(dy, b.mul(y, y))));
                break;
            case "Softplus":
                b.addGrad(0, b.mul(dy, b.op("Sigmoid", x)));
                break;
            case "Erf": {
                String sq = b.neg(b.mul(x, x));
                b.addGrad(0, b.mul(dy, b.mul(b.op("Exp", sq), b.scalar((float) (2 / Math.sqrt(Math.PI))))));
                break;
            }
            case "Cast":
                if (b.isFloat(y) && b.isFloat(x)) {
                    b.addGrad(0, dy);
                }
                break;
            default:
                throw new IllegalStateException(b.describe());
        }
    }
}
