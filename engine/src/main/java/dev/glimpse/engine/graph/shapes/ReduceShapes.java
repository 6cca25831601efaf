package dev.glimpse.engine.graph.shapes;

import dev.glimpse.engine.graph.Attributes;
import dev.glimpse.engine.graph.ConstValue;
import dev.glimpse.engine.graph.ShapeContext;
import dev.glimpse.engine.graph.ShapeInference;
import dev.glimpse.engine.graph.ShapeRule;
import dev.glimpse.engine.graph.Tensors;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

import static dev.glimpse.engine.graph.ShapeContext.INT64;

/**
 * The Reduce* family (axes from the input or the attribute; none means all unless noop_with_empty_axes) and
 * ArgMax/ArgMin (one axis, INT64). A ReduceSum or ReduceProd of a known value down to one element is evaluated,
 * as shape arithmetic multiplies dimensions that way.
 */
public final class ReduceShapes implements ShapeRule {

    @Override
    public Set<String> opTypes() {
        return Set.of("ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2",
                "ReduceLogSumExp", "ReduceSumSquare", "ReduceLogSum", "ArgMax", "ArgMin");
    }

    @Override
    public void infer(ShapeContext c) {
        String op = c.opType();
        long[] s = c.shape(0);
        if (op.equals("ArgMax") || op.equals("ArgMin")) {
            int ax = ShapeInference.axis(Attributes.getInt(c.node(), "axis", 0), s.length);
            boolean keep = Attributes.getInt(c.node(), "keepdims", 1) == 1;
            c.output(0, reduceShape(s, new long[] {ax}, keep, false), INT64);
            return;
        }
        long[] axes = c.axes(1);
        boolean keep = Attributes.getInt(c.node(), "keepdims", 1) == 1;
        boolean noopEmpty = Attributes.getInt(c.node(), "noop_with_empty_axes", 0) == 1;
        long[] o = reduceShape(s, axes, keep, noopEmpty);
        c.output(0, o, c.type(0));
        ConstValue x = c.constant(0);
        if ((op.equals("ReduceProd") || op.equals("ReduceSum")) && x != null
                && (axes == null || axes.length == s.length || s.length == 1) && Tensors.size(o) == 1) {
            double p = op.equals("ReduceProd") ? 1 : 0;
            for (double d : x.doubles()) {
                p = op.equals("ReduceProd") ? p * d : p + d;
            }
            c.constantOutput(0, x.isReal() ? ConstValue.ofReals(x.dataType(), o, new double[] {p})
                    : ConstValue.ofInts(x.dataType(), o, new long[] {(long) p}));
        }
    }

    private static long[] reduceShape(long[] s, long[] axes, boolean keep, boolean noopEmpty) {
        boolean[] red = new boolean[s.length];
        if (axes == null || axes.length == 0) {
            if (!noopEmpty) {
                Arrays.fill(red, true);
            }
        } else {
            for (long a : axes) {
                red[ShapeInference.axis(a, s.length)] = true;
            }
        }
        List<Long> o = new ArrayList<>();
        for (int i = 0; i < s.length; i++) {
            if (!red[i]) {
                o.add(s[i]);
            } else if (keep) {
                o.add(1L);
            }
        }
        return o.stream().mapToLong(Long::longValue).toArray();
    }
}
