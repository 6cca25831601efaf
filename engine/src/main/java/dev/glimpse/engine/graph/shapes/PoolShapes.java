package dev.glimpse.engine.graph.shapes;

import dev.glimpse.engine.graph.Attributes;
import dev.glimpse.engine.graph.ShapeContext;
import dev.glimpse.engine.graph.ShapeInference;
import dev.glimpse.engine.graph.ShapeInference.Window;
import dev.glimpse.engine.graph.ShapeRule;

import java.util.Arrays;
import java.util.Set;

import static dev.glimpse.engine.graph.ShapeContext.INT64;

/**
 * Windowed pools (spatial sizes from {@link ShapeInference#window} with ceil_mode; MaxPool's optional INT64 indices
 * have the output's shape) and global pools (every spatial dimension 1).
 */
public final class PoolShapes implements ShapeRule {

    private static final Set<String> GLOBAL = Set.of("GlobalAveragePool", "GlobalMaxPool", "GlobalLpPool");

    @Override
    public Set<String> opTypes() {
        return Set.of("MaxPool", "AveragePool", "LpPool", "GlobalAveragePool", "GlobalMaxPool", "GlobalLpPool");
    }

    @Override
    public void infer(ShapeContext c) {
        if (GLOBAL.contains(c.opType())) {
            long[] o = c.shape(0).clone();
            for (int i = 2; i < o.length; i++) {
                o[i] = 1;
            }
            c.output(0, o, c.type(0));
            return;
        }
        long[] x = c.shape(0);
        long[] spatial = Arrays.copyOfRange(x, 2, x.length);
        Window win = ShapeInference.window(c.node(), spatial, Attributes.getInts(c.node(), "kernel_shape", null), true);
        long[] o = x.clone();
        System.arraycopy(win.outSpatial, 0, o, 2, spatial.length);
        c.output(0, o, c.type(0));
        c.output(1, o, INT64);
    }
}
