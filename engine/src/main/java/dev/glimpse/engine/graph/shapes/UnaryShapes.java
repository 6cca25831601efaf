package dev.glimpse.engine.graph.shapes;

import dev.glimpse.engine.graph.Attributes;
import dev.glimpse.engine.graph.ConstEval;
import dev.glimpse.engine.graph.ShapeContext;
import dev.glimpse.engine.graph.ShapeRule;

import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static dev.glimpse.engine.graph.ShapeContext.BOOL;
import static dev.glimpse.engine.graph.ShapeContext.FLOAT;

/**
 * Operators whose first output has the shape of their first input: activations, unary math, the normalisations
 * that keep the shape, the predicates (bool), Cast/CastLike (the target type) and Dropout (plus its bool mask).
 * Known values are evaluated for the activations and unary math and carried through Cast and Dropout.
 */
public final class UnaryShapes implements ShapeRule {

    private static final Set<String> EVALUATED = Set.of("Identity", "Relu", "LeakyRelu", "Sigmoid", "Tanh",
            "HardSigmoid", "HardSwish", "Softmax", "LogSoftmax", "LRN", "Exp", "Log", "Neg", "Sqrt", "Abs", "Erf",
            "Floor", "Ceil", "Reciprocal", "Sign", "Softplus", "Softsign", "Elu", "Selu", "Gelu", "Celu", "Mish",
            "InstanceNormalization", "Clip", "PRelu", "Round", "Sin", "Cos", "ThresholdedRelu", "LpNormalization",
            "MeanVarianceNormalization", "Shrink");
    private static final Set<String> PREDICATES = Set.of("Not", "IsNaN", "IsInf");
    private static final Set<String> OP_TYPES = Stream.of(EVALUATED, PREDICATES, Set.of("Cast", "CastLike", "Dropout"))
            .flatMap(Set::stream).collect(Collectors.toUnmodifiableSet());

    @Override
    public Set<String> opTypes() {
        return OP_TYPES;
    }

    @Override
    public void infer(ShapeContext c) {
        String op = c.opType();
        if (EVALUATED.contains(op)) {
            c.output(0, c.shape(0), c.type(0));
            if (c.allConstant() && c.constant(0) != null) {
                c.constantOutput(0, ConstEval.unary(op, c.node(), c.constant(0)));
            }
        } else if (PREDICATES.contains(op)) {
            c.output(0, c.shape(0), BOOL);
        } else if (op.equals("Cast")) {
            int to = (int) Attributes.getInt(c.node(), "to", FLOAT);
            cast(c, to);
        } else if (op.equals("CastLike")) {
            cast(c, c.type(1));
        } else {
            c.output(0, c.shape(0), c.type(0));
            c.output(1, c.shape(0), BOOL);
            if (c.constant(0) != null) {
                c.constantOutput(0, c.constant(0));
            }
        }
    }

    private static void cast(ShapeContext c, int to) {
        c.output(0, c.shape(0), to);
        if (c.constant(0) != null) {
            c.constantOutput(0, ConstEval.cast(c.constant(0), to));
        }
    }
}
