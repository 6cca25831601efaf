package dev.glimpse.engine.autodiff.rules;

import dev.glimpse.engine.autodiff.Backward;
import dev.glimpse.engine.autodiff.GradientRule;
import dev.glimpse.engine.graph.Attributes;

import java.util.List;
import java.util.Set;

/**
 * Gemm Y = alpha·A'·B' + beta·C (A' = Aᵀ if transA, B' = Bᵀ if transB): each operand's gradient is itself one
 * Gemm with the transposition flags chosen so that no explicit Transpose is needed; dC = beta·dY summed to C's
 * shape.
 */
public final class GemmGrad implements GradientRule {

    @Override
    public Set<String> opTypes() {
        return Set.of("Gemm");
    }

    @Override
    public void backward(Backward b) {
        String a = b.input(0);
        String bb = b.input(1);
        String dy = b.gradOut(0);
        long ta = b.attrInt("transA", 0);
        long tb = b.attrInt("transB", 0);
        float alpha = b.attrFloat("alpha", 1f);
        float beta = b.attrFloat("beta", 1f);
        if (b.needsGrad(0)) {
            // dA' = alpha dY B'^T
            String g = ta == 0
                    ? gemm(b, dy, bb, 0, 1 - tb, alpha)   // dA = dY · B'^T
                    : gemm(b, bb, dy, tb, 1, alpha);     // dA = B' · dY^T
            b.addGrad(0, g);
        }
        if (b.needsGrad(1)) {
            // dB' = alpha A'^T dY
            String g = tb == 0
                    ? gemm(b, a, dy, 1 - ta, 0, alpha)   // dB = A'^T · dY
                    : gemm(b, dy, a, 1, ta, alpha);      // dB = dY^T · A'
            b.addGrad(1, g);
        }
        if (b.hasInput(2) && b.needsGrad(2)) {
            String scaled = beta == 1f ? dy : b.mul(dy, b.scalar(beta));
            b.addGrad(2, b.sumToShape(scaled, b.output(0), b.input(2)));
        }
    }

    private static String gemm(Backward b, String x, String y, long transX, long transY, float alpha) {
        return b.op("Gemm", List.of(x, y), Attributes.ofInt("transA", transX), Attributes.ofInt("transB", transY),
                Attributes.ofFloat("alpha", alpha));
    }
}
