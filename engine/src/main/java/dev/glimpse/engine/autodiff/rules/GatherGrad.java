package dev.glimpse.engine.autodiff.rules;

import dev.glimpse.engine.autodiff.Backward;
import dev.glimpse.engine.autodiff.GradientRule;
import dev.glimpse.engine.graph.Attributes;
import dev.glimpse.engine.graph.ShapeInference;
import dev.glimpse.engine.onnx.Onnx;

import java.util.List;
import java.util.Set;

/**
 * Gather on float data: dY is scatter-added (ScatterND, reduction add) into zeros at the gathered positions, with
 * the gathered axis moved to the front and back; repeated indices accumulate. Negative indices are normalised.
 */
public final class GatherGrad implements GradientRule {

    @Override
    public Set<String> opTypes() {
        return Set.of("Gather");
    }

    @Override
    public String unsupportedReason(Backward b) {
        if (b.opset() < 16) {
            return "its gradient needs opset 16 and the model could not be upgraded";
        }
        int axis = ShapeInference.axis(b.attrInt("axis", 0), b.rank(b.input(0)));
        return b.shape(b.input(0))[axis] < 0 ? "gathering along the batch axis" : null;
    }

    @Override
    public void backward(Backward b) {
        if (!b.needsGrad(0)) {
            return;
        }
        String x = b.input(0);
        String idx = b.input(1);
        long[] xs = b.shape(x);
        int r = xs.length;
        int q = b.rank(idx);
        int axis = ShapeInference.axis(b.attrInt("axis", 0), r);
        // axis first: [D_a, s[:a], s[a+1:]]
        long[] front = new long[r];
        front[0] = axis;
        for (int i = 0, k = 1; i < r; i++) {
            if (i != axis) {
                front[k++] = i;
            }
        }
        long[] back = new long[r];
        for (int i = 0; i < r; i++) {
            back[(int) front[i]] = i;
        }
        // dY axes: s[:a] (a of them), index dims (q), s[a+1:]; index dims first
        int ry = r - 1 + q;
        long[] perm = new long[ry];
        int k = 0;
        for (int i = axis; i < axis + q; i++) {
            perm[k++] = i;
        }
        for (int i = 0; i < axis; i++) {
            perm[k++] = i;
        }
        for (int i = axis + q; i < ry; i++) {
            perm[k++] = i;
        }
        // identity permutations are not emitted: ONNX Runtime's transpose optimizer mis-shapes an identity
        // Transpose after a Gemm feeding ScatterND (a ViT's class-token head: updates came out [64, 1], not [1, 64])
        String updates = ry > 0 && !isIdentity(perm) ? b.transpose(b.gradOut(0), perm) : b.gradOut(0);
        String zeros = b.zerosLike(isIdentity(front) ? x : b.transpose(x, front));
        String dim = b.intScalar(xs[axis]);
        String zero = b.intScalar(0);
        String idx64 = b.op("Cast", idx, Attributes.ofInt("to", Onnx.TensorProto.DataType.INT64_VALUE));
        String normalised = b.where(b.op("Less", idx64, zero), b.add(idx64, dim), idx64);
        String tuples = b.unsqueeze(normalised, q);
        String scattered = b.op("ScatterND", List.of(zeros, tuples, updates), Attributes.ofString("reduction", "add"));
        b.addGrad(0, isIdentity(back) ? scattered : b.transpose(scattered, back));
    }

    private static boolean isIdentity(long[] perm) {
        for (int i = 0; i < perm.length; i++) {
            if (perm[i] != i) {
                return false;
            }
        }
        return true;
    }
}
