package dev.glimpse.engine.graph.shapes;

import dev.glimpse.engine.graph.Attributes;
import dev.glimpse.engine.graph.ConstEval;
import dev.glimpse.engine.graph.ShapeContext;
import dev.glimpse.engine.graph.ShapeInference;
import dev.glimpse.engine.graph.ShapeRule;

import java.util.Arrays;
import java.util.Set;

import static dev.glimpse.engine.graph.ShapeContext.INT64;

/**
 * Operators that pick or place elements by index: Gather (values evaluated), GatherElements (the indices' shape),
 * ScatterElements, ScatterND and CumSum (the data's shape), OneHot (depth inserted at axis) and TopK (k along axis,
 * plus INT64 indices).
 */
public final class IndexingShapes implements ShapeRule {

    @Override
    public Set<String> opTypes() {
        return Set.of("Gather", "GatherElements", "ScatterElements", "ScatterND", "CumSum", "OneHot", "TopK");
    }

    @Override
    public void infer(ShapeContext c) {
        switch (c.opType()) {
            case "Gather":
                gather(c);
                return;
            case "GatherElements":
                c.output(0, c.shape(1), c.type(0));
                return;
            case "OneHot":
                oneHot(c);
                return;
            case "TopK":
                topK(c);
                return;
            default:
                c.output(0, c.shape(0), c.type(0));
        }
    }

    private static void gather(ShapeContext c) {
        long[] d = c.shape(0);
        long[] idx = c.shape(1);
        int ax = ShapeInference.axis(Attributes.getInt(c.node(), "axis", 0), d.length);
        long[] s = ShapeInference.concat(Arrays.copyOfRange(d, 0, ax), idx, Arrays.copyOfRange(d, ax + 1, d.length));
        c.output(0, s, c.type(0));
        if (c.allConstant()) {
            c.constantOutput(0, ConstEval.gather(c.constant(0), c.constant(1), ax));
        }
    }

    private static void oneHot(ShapeContext c) {
        long[] idx = c.shape(0);
        long depth = c.constInts(1, "depth")[0];
        int r = idx.length + 1;
        int ax = ShapeInference.axis(Attributes.getInt(c.node(), "axis", -1), r);
        long[] o = new long[r];
        for (int i = 0, j = 0; i < r; i++) {
            o[i] = i == ax ? depth : idx[j++];
        }
        c.output(0, o, c.type(2));
    }

    private static void topK(ShapeContext c) {
        long[] s = c.shape(0).clone();
        int ax = ShapeInference.axis(Attributes.getInt(c.node(), "axis", -1), s.length);
        long k = c.present(1) ? c.constInts(1, "K")[0] : Attributes.getInt(c.node(), "k", 1);
        s[ax] = k;
        c.output(0, s, c.type(0));
        c.output(1, s, INT64);
    }
}
