package dev.glimpse.engine.graph.shapes;

import dev.glimpse.engine.graph.Attributes;
import dev.glimpse.engine.graph.EinsumEquation;
import dev.glimpse.engine.graph.ShapeContext;
import dev.glimpse.engine.graph.ShapeRule;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Einsum: the output term's shape from the operands' letter sizes (explicit or implicit output, ellipsis broadcast). */
public final class EinsumShapes implements ShapeRule {

    @Override
    public Set<String> opTypes() {
        return Set.of("Einsum");
    }

    @Override
    public void infer(ShapeContext c) {
        EinsumEquation eq = EinsumEquation.parse(Attributes.getString(c.node(), "equation", ""));
        List<long[]> shapes = new ArrayList<>();
        for (int i = 0; i < c.inputCount(); i++) {
            shapes.add(c.shape(i));
        }
        c.output(0, eq.sizes(shapes).shapeOf(eq.output()), c.type(0));
    }
}
