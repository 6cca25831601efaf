package dev.glimpse.engine.autodiff.rules;

import dev.glimpse.engine.autodiff.Backward;
import dev.glimpse.engine.autodiff.GradientRule;
import dev.glimpse.engine.graph.Attributes;
import dev.glimpse.engine.graph.ShapeInference;
import dev.glimpse.engine.onnx.Onnx.TensorProto;

import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * ReduceSum, ReduceMean, ReduceMax, ReduceMin and ReduceL2 (axes as attribute or input, keepdims,
 * noop_with_empty_axes): dY (unsqueezed back when keepdims=0) expanded to the input shape; divided by the reduced
 * element count for the mean; masked to the positions equal to the extremum for Max/Min (every tied extremum gets
 * the full gradient, as Max/Min and GlobalMaxPool); times x/y for L2 = √Σx² (0 where y = 0).
 */
public final class ReduceGrad implements GradientRule {

    @Override
    public Set<String> opTypes() {
        return Set.of("ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceL2");
    }

    @Override
    public String unsupportedReason(Backward b) {
        try {
            axes(b);
            return null;
        } catch (RuntimeException e) {
            return e.getMessage();
        }
    }

    /** Normalised, sorted reduced axes; null when the node is a no-op. */
    private static long[] axes(Backward b) {
        int rank = b.rank(b.input(0));
        long[] axes = b.hasInput(1) ? b.constInts(1, "axes") : b.attrInts("axes", null);
        if (axes == null || axes.length == 0) {
            if (b.attrInt("noop_with_empty_axes", 0) == 1) {
                return null;
            }
            axes = new long[rank];
            for (int i = 0; i < rank; i++) {
                axes[i] = i;
            }
        }
        long[] n = new long[axes.length];
        for (int i = 0; i < axes.length; i++) {
            n[i] = ShapeInference.axis(axes[i], rank);
        }
        Arrays.sort(n);
        return n;
    }

    @Override
    public void backward(Backward b) {
        if (!b.needsGrad(0)) {
            return;
        }
        String x = b.input(0);
        String dy = b.gradOut(0);
        long[] axes = axes(b);
        if (axes == null) {
            b.addGrad(0, dy);
            return;
        }
        boolean keep = b.attrInt("keepdims", 1) == 1;
        String g = keep ? dy : b.unsqueeze(dy, axes);
        g = b.op("Expand", List.of(g, b.shapeOf(x)));
        String op = b.node().getOpType();
        if (!op.equals("ReduceSum") && !op.equals("ReduceMean")) {
            String y = keep ? b.output(0) : b.unsqueeze(b.output(0), axes);
            if (op.equals("ReduceL2")) {
                String safe = b.where(b.op("Equal", y, b.scalar(0f)), b.scalar(1f), y);
                g = b.mul(g, b.div(x, safe));
            } else {
                g = b.mul(g, b.toFloat(b.op("Equal", x, y)));
            }
        }
        if (op.equals("ReduceMean")) {
            long[] s = b.shape(x);
            long count = 1;
            boolean dynamic = false;
            for (long a : axes) {
                dynamic |= s[(int) a] < 0;
                count *= s[(int) a];
            }
            if (!dynamic) {
                g = b.mul(g, b.scalar(1f / count));
            } else {
                String sizeX = b.op("Cast", b.op("Size", x), Attributes.ofInt("to", TensorProto.DataType.FLOAT_VALUE));
                String sizeY = b.op("Cast", b.op("Size", b.output(0)), Attributes.ofInt("to", TensorProto.DataType.FLOAT_VALUE));
                g = b.mul(g, b.div(sizeY, sizeX));
            }
        }
        b.addGrad(0, g);
    }
}
