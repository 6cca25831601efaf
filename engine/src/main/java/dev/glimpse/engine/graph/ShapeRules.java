package dev.glimpse.engine.graph;

import dev.glimpse.engine.graph.shapes.ConcatSplitShapes;
import dev.glimpse.engine.graph.shapes.ConstantShapes;
import dev.glimpse.engine.graph.shapes.ConvShapes;
import dev.glimpse.engine.graph.shapes.EinsumShapes;
import dev.glimpse.engine.graph.shapes.ElementwiseShapes;
import dev.glimpse.engine.graph.shapes.ExpandShapes;
import dev.glimpse.engine.graph.shapes.GemmMatMulShapes;
import dev.glimpse.engine.graph.shapes.IndexingShapes;
import dev.glimpse.engine.graph.shapes.NormalizationShapes;
import dev.glimpse.engine.graph.shapes.PoolShapes;
import dev.glimpse.engine.graph.shapes.ReduceShapes;
import dev.glimpse.engine.graph.shapes.ReshapeShapes;
import dev.glimpse.engine.graph.shapes.SliceShapes;
import dev.glimpse.engine.graph.shapes.UnaryShapes;

import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/** The registry of shape rules: operator type → rule. */
public final class ShapeRules {

    private final Map<String, ShapeRule> byOp;

    private ShapeRules(Map<String, ShapeRule> byOp) {
        this.byOp = Collections.unmodifiableMap(byOp);
    }

    /** Every rule shipped with the engine. */
    public static ShapeRules standard() {
        return of(new ConstantShapes(), new UnaryShapes(), new NormalizationShapes(), new ElementwiseShapes(),
                new IndexingShapes(), new ReshapeShapes(), new ConcatSplitShapes(), new SliceShapes(),
                new ConvShapes(), new PoolShapes(), new GemmMatMulShapes(), new ReduceShapes(), new ExpandShapes(),
                new EinsumShapes());
    }

    public static ShapeRules of(ShapeRule... rules) {
        Map<String, ShapeRule> m = new TreeMap<>();
        for (ShapeRule r : rules) {
            for (String op : r.opTypes()) {
                if (m.put(op, r) != null) {
                    throw new IllegalArgumentException("two shape rules for operator " + op);
                }
            }
        }
        return new ShapeRules(m);
    }

    public Optional<ShapeRule> find(String opType) {
        return Optional.ofNullable(byOp.get(opType));
    }

    /** Operator types with a rule, sorted. */
    public Set<String> supportedOps() {
        return byOp.keySet();
    }
}
