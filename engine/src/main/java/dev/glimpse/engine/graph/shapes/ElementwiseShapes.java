package dev.glimpse.engine.graph.shapes;

import dev.glimpse.engine.graph.ConstEval;
import dev.glimpse.engine.graph.ConstValue;
import dev.glimpse.engine.graph.ShapeContext;
import dev.glimpse.engine.graph.ShapeInference;
import dev.glimpse.engine.graph.ShapeRule;

import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static dev.glimpse.engine.graph.ShapeContext.BOOL;
import static dev.glimpse.engine.graph.ShapeContext.FLOAT;

/**
 * Broadcasting operators: arithmetic (any number of inputs for Sum/Mean/Max/Min), comparisons and logic (bool),
 * and Where (the type of its second input). Known values are evaluated.
 */
public final class ElementwiseShapes implements ShapeRule {

    private static final Set<String> ARITHMETIC = Set.of("Add", "Sub", "Mul", "Div", "Pow", "Max", "Min", "Sum",
            "Mean", "Mod", "BitShift");
    private static final Set<String> COMPARISONS = Set.of("Equal", "Greater", "Less", "GreaterOrEqual", "LessOrEqual",
            "And", "Or", "Xor");
    private static final Set<String> OP_TYPES = Stream.of(ARITHMETIC, COMPARISONS, Set.of("Where"))
            .flatMap(Set::stream).collect(Collectors.toUnmodifiableSet());

    @Override
    public Set<String> opTypes() {
        return OP_TYPES;
    }

    @Override
    public void infer(ShapeContext c) {
        String op = c.opType();
        if (ARITHMETIC.contains(op)) {
            arithmetic(c, op);
        } else if (COMPARISONS.contains(op)) {
            c.output(0, ShapeInference.broadcast(c.shape(0), c.shape(1)), BOOL);
            if (c.allConstant()) {
                c.constantOutput(0, ConstEval.binary(op, c.constant(0), c.constant(1)));
            }
        } else {
            c.output(0, ShapeInference.broadcast(ShapeInference.broadcast(c.shape(0), c.shape(1)), c.shape(2)), c.type(1));
            if (c.allConstant()) {
                c.constantOutput(0, ConstEval.where(c.constant(0), c.constant(1), c.constant(2)));
            }
        }
    }

    private static void arithmetic(ShapeContext c, String op) {
        long[] s = c.shape(0);
        for (int i = 1; i < c.inputCount(); i++) {
            s = ShapeInference.broadcast(s, c.shape(i));
        }
        c.output(0, s, c.type(0));
        if (c.allConstant()) {
            ConstValue v = c.constant(0);
            for (int i = 1; i < c.inputCount() && v != null; i++) {
                v = ConstEval.binary(op.equals("Sum") ? "Add" : op, v, c.constant(i));
            }
            if (op.equals("Mean") && v != null) {
                v = ConstEval.binary("Div", v, ConstValue.ofReals(FLOAT, new long[0], new double[] {c.inputCount()}));
            }
            c.constantOutput(0, v);
        }
    }
}
