package dev.glimpse.engine.autodiff.rules;

import dev.glimpse.engine.autodiff.Backward;
import dev.glimpse.engine.autodiff.GradientRule;
import dev.glimpse.engine.graph.ShapeInference;

import java.util.Set;

/** Concat: dY split along the concatenation axis into the inputs' sizes. */
public final class ConcatGrad implements GradientRule {

    @Override
    public Set<String> opTypes() {
        return Set.of("Concat");
    }

    @Override
    public String unsupportedReason(Backward b) {
        int axis = ShapeInference.axis(b.attrInt("axis", 0), b.rank(b.input(0)));
        for (int i = 0; i < b.inputCount(); i++) {
            if (b.shape(b.input(i))[axis] < 0) {
                return "concatenation along the batch axis";
            }
        }
        return null;
    }

    @Override
    public void backward(Backward b) {
        int axis = ShapeInference.axis(b.attrInt("axis", 0), b.rank(b.input(0)));
        long[] sizes = new long[b.inputCount()];
        for (int i = 0; i < sizes.length; i++) {
            sizes[i] = b.shape(b.input(i))[axis];
        }
        String[] parts = b.split(b.gradOut(0), axis, sizes);
        for (int i = 0; i < sizes.length; i++) {
            if (b.needsGrad(i)) {
                b.addGrad(i, parts[i]);
            }
        }
    }
}
