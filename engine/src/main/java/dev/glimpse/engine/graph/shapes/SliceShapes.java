package dev.glimpse.engine.graph.shapes;

import dev.glimpse.engine.graph.Attributes;
import dev.glimpse.engine.graph.ConstEval;
import dev.glimpse.engine.graph.ShapeContext;
import dev.glimpse.engine.graph.ShapeInference;
import dev.glimpse.engine.graph.ShapeInference.SliceSpec;
import dev.glimpse.engine.graph.ShapeRule;

import java.util.Set;

/**
 * Slice (attributes before opset 10, known-value inputs after; known values sliced) and its inverse Pad (pads from
 * the input or the attribute, optionally for the given axes only).
 */
public final class SliceShapes implements ShapeRule {

    @Override
    public Set<String> opTypes() {
        return Set.of("Slice", "Pad");
    }

    @Override
    public void infer(ShapeContext c) {
        long[] s = c.shape(0);
        if (c.opType().equals("Slice")) {
            SliceSpec spec = sliceSpec(c, s);
            c.output(0, spec.outShape, c.type(0));
            if (c.constant(0) != null) {
                c.constantOutput(0, ConstEval.slice(c.constant(0), spec));
            }
        } else {
            long[] pads = padsOf(c, s.length);
            long[] o = s.clone();
            for (int i = 0; i < s.length; i++) {
                o[i] += pads[i] + pads[i + s.length];
            }
            c.output(0, o, c.type(0));
        }
    }

    private static SliceSpec sliceSpec(ShapeContext c, long[] s) {
        long[] starts;
        long[] ends;
        long[] axes;
        long[] steps;
        if (c.opset() < 10 || (!c.present(1) && Attributes.has(c.node(), "starts"))) {
            starts = Attributes.getInts(c.node(), "starts", null);
            ends = Attributes.getInts(c.node(), "ends", null);
            axes = Attributes.getInts(c.node(), "axes", null);
            steps = null;
        } else {
            starts = c.constInts(1, "starts");
            ends = c.constInts(2, "ends");
            axes = c.present(3) ? c.constInts(3, "axes") : null;
            steps = c.present(4) ? c.constInts(4, "steps") : null;
        }
        return ShapeInference.resolveSlice(s, starts, ends, axes, steps);
    }

    private static long[] padsOf(ShapeContext c, int rank) {
        long[] pads;
        if (c.present(1)) {
            pads = c.constInts(1, "pads");
        } else {
            pads = Attributes.getInts(c.node(), "pads", Attributes.getInts(c.node(), "paddings", null));
        }
        if (c.present(3)) {
            long[] axes = c.constInts(3, "axes");
            long[] full = new long[2 * rank];
            for (int k = 0; k < axes.length; k++) {
                int a = ShapeInference.axis(axes[k], rank);
                full[a] = pads[k];
                full[a + rank] = pads[k + axes.length];
            }
            return full;
        }
        return pads;
    }
}
