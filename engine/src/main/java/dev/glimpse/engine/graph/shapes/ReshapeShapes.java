package dev.glimpse.engine.graph.shapes;

import dev.glimpse.engine.graph.Attributes;
import dev.glimpse.engine.graph.ConstEval;
import dev.glimpse.engine.graph.ShapeContext;
import dev.glimpse.engine.graph.ShapeInference;
import dev.glimpse.engine.graph.ShapeRule;
import dev.glimpse.engine.graph.Tensors;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * Operators that rearrange elements without changing them: Reshape (0 copies a dimension unless allowzero, one -1
 * is inferred), Flatten, Squeeze, Unsqueeze and Transpose (reversed axes without perm). Known values are carried.
 */
public final class ReshapeShapes implements ShapeRule {

    @Override
    public Set<String> opTypes() {
        return Set.of("Reshape", "Flatten", "Squeeze", "Unsqueeze", "Transpose");
    }

    @Override
    public void infer(ShapeContext c) {
        switch (c.opType()) {
            case "Reshape": {
                long[] s = c.shape(0);
                long[] target = c.present(1) ? c.constInts(1, "shape") : Attributes.getInts(c.node(), "shape", null);
                reshaped(c, reshapeTarget(s, target, Attributes.getInt(c.node(), "allowzero", 0) == 1));
                return;
            }
            case "Flatten":
                flatten(c);
                return;
            case "Squeeze":
                squeeze(c);
                return;
            case "Unsqueeze":
                unsqueeze(c);
                return;
            default:
                transpose(c);
        }
    }

    /** Sets output 0 to {@code shape} with the elements of input 0 in order. */
    private static void reshaped(ShapeContext c, long[] shape) {
        c.output(0, shape, c.type(0));
        if (c.constant(0) != null) {
            c.constantOutput(0, ConstEval.reshape(c.constant(0), shape));
        }
    }

    private static void flatten(ShapeContext c) {
        long[] s = c.shape(0);
        int ax = (int) Attributes.getInt(c.node(), "axis", 1);
        if (ax < 0) {
            ax += s.length;
        }
        long a = 1;
        long b = 1;
        for (int i = 0; i < s.length; i++) {
            if (i < ax) {
                a *= s[i];
            } else {
                b *= s[i];
            }
        }
        reshaped(c, new long[] {a, b});
    }

    private static void squeeze(ShapeContext c) {
        long[] s = c.shape(0);
        long[] axes = c.axes(1);
        boolean[] drop = new boolean[s.length];
        if (axes == null) {
            for (int i = 0; i < s.length; i++) {
                drop[i] = s[i] == 1;
            }
        } else {
            for (long a : axes) {
                drop[ShapeInference.axis(a, s.length)] = true;
            }
        }
        List<Long> o = new ArrayList<>();
        for (int i = 0; i < s.length; i++) {
            if (!drop[i]) {
                o.add(s[i]);
            }
        }
        reshaped(c, o.stream().mapToLong(Long::longValue).toArray());
    }

    private static void unsqueeze(ShapeContext c) {
        long[] axes = c.axes(1);
        long[] s = c.shape(0);
        int r = s.length + axes.length;
        boolean[] isNew = new boolean[r];
        for (long a : axes) {
            isNew[ShapeInference.axis(a, r)] = true;
        }
        long[] o = new long[r];
        for (int i = 0, j = 0; i < r; i++) {
            o[i] = isNew[i] ? 1 : s[j++];
        }
        reshaped(c, o);
    }

    private static void transpose(ShapeContext c) {
        long[] s = c.shape(0);
        long[] perm = Attributes.getInts(c.node(), "perm", null);
        if (perm == null) {
            perm = new long[s.length];
            for (int i = 0; i < s.length; i++) {
                perm[i] = s.length - 1 - i;
            }
        }
        long[] o = new long[s.length];
        for (int i = 0; i < s.length; i++) {
            o[i] = s[(int) perm[i]];
        }
        c.output(0, o, c.type(0));
        if (c.constant(0) != null) {
            c.constantOutput(0, ConstEval.transpose(c.constant(0), perm));
        }
    }

    private static long[] reshapeTarget(long[] in, long[] target, boolean allowZero) {
        long[] o = target.clone();
        int infer = -1;
        long known = 1;
        for (int i = 0; i < o.length; i++) {
            if (o[i] == 0 && !allowZero) {
                o[i] = in[i];
            }
            if (o[i] == -1) {
                if (infer >= 0) {
                    throw new IllegalArgumentException("Reshape target " + Arrays.toString(target) + " has two -1");
                }
                infer = i;
            } else {
                known *= o[i];
            }
        }
        long total = Tensors.size(in);
        if (infer >= 0) {
            if (known == 0 || total % known != 0) {
                throw new IllegalArgumentException("cannot reshape " + Arrays.toString(in) + " to " + Arrays.toString(target));
            }
            o[infer] = total / known;
        } else if (known != total) {
            throw new IllegalArgumentException("cannot reshape " + Arrays.toString(in) + " to " + Arrays.toString(target));
        }
        return o;
    }
}
