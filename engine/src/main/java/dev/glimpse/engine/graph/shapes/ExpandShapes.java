package dev.glimpse.engine.graph.shapes;

import dev.glimpse.engine.graph.Attributes;
import dev.glimpse.engine.graph.ConstEval;
import dev.glimpse.engine.graph.ConstValue;
import dev.glimpse.engine.graph.ShapeContext;
import dev.glimpse.engine.graph.ShapeInference;
import dev.glimpse.engine.graph.ShapeRule;

import java.util.Set;

/**
 * Operators that enlarge dimensions: Expand (broadcast to a known shape; known values expanded), Tile (known
 * repeats), and Resize/Upsample (known sizes, else known scales or the scales attribute, rounded down).
 */
public final class ExpandShapes implements ShapeRule {

    @Override
    public Set<String> opTypes() {
        return Set.of("Expand", "Tile", "Resize", "Upsample");
    }

    @Override
    public void infer(ShapeContext c) {
        switch (c.opType()) {
            case "Expand": {
                long[] o = ShapeInference.broadcast(c.shape(0), c.constInts(1, "shape"));
                c.output(0, o, c.type(0));
                if (c.constant(0) != null && c.fitsConstant(o)) {
                    c.constantOutput(0, ConstEval.expand(c.constant(0), o));
                }
                return;
            }
            case "Tile": {
                long[] s = c.shape(0).clone();
                long[] rep = c.constInts(1, "repeats");
                for (int i = 0; i < s.length; i++) {
                    s[i] *= rep[i];
                }
                c.output(0, s, c.type(0));
                return;
            }
            default:
                resize(c);
        }
    }

    private static void resize(ShapeContext c) {
        boolean isResize = c.opType().equals("Resize");
        long[] s = c.shape(0);
        long[] o = s.clone();
        // Resize-10 has (X, scales); from opset 11 (X, roi, scales, sizes)
        boolean inputsOf10 = !isResize || c.opset() < 11;
        ConstValue sizes = isResize && !inputsOf10 && c.present(3) ? c.constant(3) : null;
        ConstValue scales = inputsOf10 ? (c.present(1) ? c.constant(1) : null) : (c.present(2) ? c.constant(2) : null);
        float[] attrScales = Attributes.getFloats(c.node(), "scales", null);
        if (sizes != null && sizes.size() > 0) {
            o = sizes.longs();
        } else if (scales != null && scales.size() > 0) {
            for (int i = 0; i < s.length; i++) {
                o[i] = (long) Math.floor(s[i] * scales.real(i));
            }
        } else if (attrScales != null) {
            for (int i = 0; i < s.length; i++) {
                o[i] = (long) Math.floor(s[i] * attrScales[i]);
            }
        } else {
            throw new IllegalStateException("Resize without constant scales or sizes");
        }
        c.output(0, o, c.type(0));
    }
}
