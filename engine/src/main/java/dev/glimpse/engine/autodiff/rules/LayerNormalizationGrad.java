package dev.glimpse.engine.autodiff.rules;

import dev.glimpse.engine.autodiff.Backward;
import dev.glimpse.engine.autodiff.GradientRule;
import dev.glimpse.engine.graph.ShapeInference;

import java.util.Set;

/**
 * LayerNormalization (opset 17; {@code axis} from the last axis up to several, scale and optional bias
 * broadcast over the normalised axes): y = x̂·scale + B with x̂ standardised over axes axis..rank−1, so
 * dX by {@link Standardization} from dX̂ = dY·scale; dScale = Σ dY·x̂ and dB = Σ dY over the broadcast axes.
 * The optional Mean / InvStdDev outputs are not differentiated through (exporters leave them unused; building the
 * backward graph fails naming the node if a gradient reaches them).
 */
public final class LayerNormalizationGrad implements GradientRule {

    @Override
    public Set<String> opTypes() {
        return Set.of("LayerNormalization");
    }

    @Override
    public void backward(Backward b) {
        for (int k = 1; k < b.node().getOutputCount(); k++) {
            if (b.gradOut(k) != null) {
                throw new IllegalStateException(b.describe() + ": a gradient flows into its Mean/InvStdDev output");
            }
        }
        String dy = b.gradOut(0);
        if (dy == null) {
            return;
        }
        String x = b.input(0);
        String scale = b.input(1);
        int rank = b.rank(x);
        int axis = ShapeInference.axis(b.attrInt("axis", -1), rank);
        Standardization s = Standardization.of(b, x, Standardization.trailing(axis, rank), b.attrFloat("epsilon", 1e-5f));
        if (b.needsGrad(0)) {
            b.addGrad(0, s.inputGradient(b, b.mul(dy, scale)));
        }
        if (b.needsGrad(1)) {
            b.addGrad(1, b.sumToShape(b.mul(dy, s.xhat), x, scale));
        }
        if (b.hasInput(2) && b.needsGrad(2)) {
            b.addGrad(2, b.sumToShape(dy, x, b.input(2)));
        }
    }
}
