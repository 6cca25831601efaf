package dev.glimpse.engine.autodiff.rules;

import dev.glimpse.engine.autodiff.Backward;
import dev.glimpse.engine.autodiff.GradientRule;

import java.util.Set;

/** Transpose: dY transposed by the inverse permutation (default permutation: reversed axes). */
public final class TransposeGrad implements GradientRule {

    @Override
    public Set<String> opTypes() {
        return Set.of("Transpose");
    }

    @Override
    public void backward(Backward b) {
        if (!b.needsGrad(0)) {
            return;
        }
        int rank = b.rank(b.input(0));
        long[] perm = b.attrInts("perm", null);
        if (perm == null) {
            perm = new long[rank];
            for (int i = 0; i < rank; i++) {
                perm[i] = rank - 1 - i;
            }
        }
        long[] inverse = new long[rank];
        for (int i = 0; i < rank; i++) {
            inverse[(int) perm[i]] = i;
        }
        b.addGrad(0, b.transpose(b.gradOut(0), inverse));
    }
}
