package dev.glimpse.engine.graph.shapes;

import dev.glimpse.engine.graph.Attributes;
import dev.glimpse.engine.graph.ConstEval;
import dev.glimpse.engine.graph.ConstValue;
import dev.glimpse.engine.graph.ShapeContext;
import dev.glimpse.engine.graph.ShapeInference;
import dev.glimpse.engine.graph.ShapeRule;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Concat (known values joined) and Split (sizes from the split input or attribute, else num_outputs or the number
 * of outputs, in equal chunks with a smaller last one).
 */
public final class ConcatSplitShapes implements ShapeRule {

    @Override
    public Set<String> opTypes() {
        return Set.of("Concat", "Split");
    }

    @Override
    public void infer(ShapeContext c) {
        if (c.opType().equals("Concat")) {
            concat(c);
        } else {
            split(c);
        }
    }

    private static void concat(ShapeContext c) {
        long[] first = c.shape(0);
        int ax = ShapeInference.axis(Attributes.getInt(c.node(), "axis", 0), first.length);
        long[] s = first.clone();
        s[ax] = 0;
        for (int i = 0; i < c.inputCount(); i++) {
            s[ax] += c.shape(i)[ax];
        }
        c.output(0, s, c.type(0));
        if (c.allConstant()) {
            List<ConstValue> parts = new ArrayList<>();
            for (int i = 0; i < c.inputCount(); i++) {
                parts.add(c.constant(i));
            }
            c.constantOutput(0, ConstEval.concat(parts, ax));
        }
    }

    private static void split(ShapeContext c) {
        long[] s = c.shape(0);
        int ax = ShapeInference.axis(Attributes.getInt(c.node(), "axis", 0), s.length);
        long[] sizes = splitSizes(c, s[ax]);
        for (int i = 0; i < sizes.length; i++) {
            long[] o = s.clone();
            o[ax] = sizes[i];
            c.output(i, o, c.type(0));
        }
    }

    private static long[] splitSizes(ShapeContext c, long dim) {
        long[] split = c.present(1) ? c.constInts(1, "split") : Attributes.getInts(c.node(), "split", null);
        if (split != null) {
            return split;
        }
        int parts = (int) Attributes.getInt(c.node(), "num_outputs", c.outputCount());
        long[] o = new long[parts];
        long chunk = (dim + parts - 1) / parts;
        for (int i = 0; i < parts; i++) {
            o[i] = Math.max(0, Math.min(chunk, dim - chunk * i));
        }
        return o;
    }
}
