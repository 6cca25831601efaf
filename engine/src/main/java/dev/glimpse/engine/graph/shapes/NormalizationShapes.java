package dev.glimpse.engine.graph.shapes;

import dev.glimpse.engine.graph.ShapeContext;
import dev.glimpse.engine.graph.ShapeRule;

import java.util.Set;

/**
 * BatchNormalization (output as input; the optional running and saved statistics per channel) and
 * LayerNormalization (output as input).
 */
public final class NormalizationShapes implements ShapeRule {

    @Override
    public Set<String> opTypes() {
        return Set.of("BatchNormalization", "LayerNormalization");
    }

    @Override
    public void infer(ShapeContext c) {
        c.output(0, c.shape(0), c.type(0));
        if (c.opType().equals("BatchNormalization")) {
            long[] channels = new long[] {c.shape(0)[1]};
            for (int i = 1; i < 5; i++) {
                c.output(i, channels, c.type(0));
            }
        }
    }
}
