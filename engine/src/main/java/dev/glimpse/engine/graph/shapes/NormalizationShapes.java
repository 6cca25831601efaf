package dev.glimpse.engine.graph.shapes;

import dev.glimpse.engine.graph.Attributes;
import dev.glimpse.engine.graph.ShapeContext;
import dev.glimpse.engine.graph.ShapeInference;
import dev.glimpse.engine.graph.ShapeRule;

import java.util.Set;

import static dev.glimpse.engine.graph.ShapeContext.FLOAT;

/**
 * BatchNormalization (output as input; the optional running and saved statistics per channel) and
 * LayerNormalization and GroupNormalization (output as input; LayerNormalization's optional Mean and InvStdDev
 * keep the leading axes up to {@code axis} with 1 after).
 */
public final class NormalizationShapes implements ShapeRule {

    @Override
    public Set<String> opTypes() {
        return Set.of("BatchNormalization", "LayerNormalization", "GroupNormalization");
    }

    @Override
    public void infer(ShapeContext c) {
        c.output(0, c.shape(0), c.type(0));
        if (c.opType().equals("BatchNormalization")) {
            long[] channels = new long[] {c.shape(0)[1]};
            for (int i = 1; i < 5; i++) {
                c.output(i, channels, c.type(0));
            }
        } else if (c.opType().equals("LayerNormalization")) {
            long[] s = c.shape(0);
            int axis = ShapeInference.axis(Attributes.getInt(c.node(), "axis", -1), s.length);
            long[] stats = s.clone();
            for (int i = axis; i < s.length; i++) {
                stats[i] = 1;
            }
            c.output(1, stats, FLOAT);
            c.output(2, stats, FLOAT);
        }
    }
}
