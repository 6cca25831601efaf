package dev.glimpse.engine.autodiff.rules;

import dev.glimpse.engine.autodiff.Backward;
import dev.glimpse.engine.autodiff.GradientRule;
import dev.glimpse.engine.graph.Attributes;

import java.util.List;
import java.util.Set;

/**
 * Broadcasting arithmetic: Add, Sub, Mul, Div, Sum, Mean, Max, Min, Pow, Where, Expand. Each input's gradient is
 * computed at the output shape and summed over the axes along which that input was broadcast (then reshaped to it).
 * Max/Min pass dY to every input equal to the result (ties each receive it).
 */
public final class ElementwiseGrad implements GradientRule {

    @Override
    public Set<String> opTypes() {
        return Set.of("Add", "Sub", "Mul", "Div", "Sum", "Mean", "Max", "Min", "Pow", "Where", "Expand");
    }

    @Override
    public void backward(Backward b) {
        String y = b.output(0);
        String dy = b.gradOut(0);
        String a = b.input(0);
        switch (b.node().getOpType()) {
            case "Add":
            case "Sum":
                for (int i = 0; i < b.inputCount(); i++) {
                    if (b.needsGrad(i)) {
                        b.addGrad(i, b.sumToShape(dy, y, b.input(i)));
                    }
                }
                break;
            case "Mean": {
                String scaled = b.mul(dy, b.scalar(1f / b.inputCount()));
                for (int i = 0; i < b.inputCount(); i++) {
                    if (b.needsGrad(i)) {
                        b.addGrad(i, b.sumToShape(scaled, y, b.input(i)));
                    }
                }
                break;
            }
            case "Max":
            case "Min":
                for (int i = 0; i < b.inputCount(); i++) {
                    if (b.needsGrad(i)) {
                        String mask = b.toFloat(b.op("Equal", b.input(i), y));
                        b.addGrad(i, b.sumToShape(b.mul(dy, mask), y, b.input(i)));
                    }
                }
                break;
            case "Sub":
                if (b.needsGrad(0)) {
                    b.addGrad(0, b.sumToShape(dy, y, a));
                }
                if (b.needsGrad(1)) {
                    b.addGrad(1, b.sumToShape(b.neg(dy), y, b.input(1)));
                }
                break;
            case "Mul":
                if (b.needsGrad(0)) {
                    b.addGrad(0, b.sumToShape(b.mul(dy, b.input(1)), y, a));
                }
                if (b.needsGrad(1)) {
                    b.addGrad(1, b.sumToShape(b.mul(dy, a), y, b.input(1)));
                }
                break;
            case "Div": {
                String d = b.input(1);
                if (b.needsGrad(0)) {
                    b.addGrad(0, b.sumToShape(b.div(dy, d), y, a));
                }
                if (b.needsGrad(1)) {
                    b.addGrad(1, b.sumToShape(b.neg(b.div(b.mul(dy, y), d)), y, d));
                }
                break;
            }
            case "Pow": {
                String e = b.isFloat(b.input(1)) ? b.input(1)
                        : b.op("Cast", b.input(1), Attributes.ofInt("to", 1));
                if (b.needsGrad(0)) {
                    String em1 = b.sub(e, b.scalar(1f));
                    b.addGrad(0, b.sumToShape(b.mul(dy, b.mul(e, b.op("Pow", a, em1))), y, a));
                }
                if (b.needsGrad(1)) {
                    b.addGrad(1, b.sumToShape(b.mul(dy, b.mul(y, b.op("Log", a))), y, b.input(1)));
                }
                break;
            }
            case "Where": {
                String c = b.input(0);
                String zero = b.scalar(0f);
                if (b.needsGrad(1)) {
                    b.addGrad(1, b.sumToShape(b.where(c, dy, zero), y, b.input(1)));
                }
                if (b.needsGrad(2)) {
                    b.addGrad(2, b.sumToShape(b.where(c, zero, dy), y, b.input(2)));
                }
                break;
            }
            case "Expand":
                if (b.needsGrad(0)) {
                    b.addGrad(0, b.sumToShape(dy, y, a));
                }
                break;
            default:
                throw new IllegalStateException(b.describe());
        }
    }

    static List<String> list(String... s) {
        return List.of(s);
    }
}
