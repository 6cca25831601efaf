package dev.glimpse.engine.autodiff.rules;

import dev.glimpse.engine.autodiff.Backward;
import dev.glimpse.engine.autodiff.GradientRule;
import dev.glimpse.engine.graph.Attributes;
import dev.glimpse.engine.graph.EinsumEquation;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * Einsum, as exporters emit it (attention "bhid,bhjd->bhij", "bhij,bhjd->bhid", batched products with an
 * ellipsis): the gradient of operand i is itself an Einsum, "out,others->term_i" applied to (dY, other operands).
 * That holds when term i repeats no letter (no diagonal), every letter of term i also occurs in the output or another
 * operand, and no letter or ellipsis dim of term i is broadcast from 1; otherwise the node is refused by name.
 */
public final class EinsumGrad implements GradientRule {

    @Override
    public Set<String> opTypes() {
        return Set.of("Einsum");
    }

    @Override
    public String unsupportedReason(Backward b) {
        EinsumEquation eq = equation(b);
        List<long[]> shapes = new ArrayList<>();
        for (int i = 0; i < b.inputCount(); i++) {
            shapes.add(b.shape(b.input(i)));
        }
        EinsumEquation.Sizes sizes = eq.sizes(shapes);
        for (int i = 0; i < eq.inputs().size(); i++) {
            if (!b.isFloat(b.input(i))) {
                continue;
            }
            String term = eq.inputs().get(i);
            String letters = EinsumEquation.letters(term);
            StringBuilder elsewhere = new StringBuilder(eq.output());
            for (int j = 0; j < eq.inputs().size(); j++) {
                if (j != i) {
                    elsewhere.append(eq.inputs().get(j));
                }
            }
            for (char c : letters.toCharArray()) {
                if (letters.indexOf(c) != letters.lastIndexOf(c)) {
                    return b.describe() + ": equation '" + eq + "' repeats '" + c + "' in operand " + i;
                }
                if (elsewhere.indexOf(String.valueOf(c)) < 0) {
                    return b.describe() + ": equation '" + eq + "' sums '" + c + "' within operand " + i + " only";
                }
            }
            if (!Arrays.equals(shapes.get(i), sizes.shapeOf(term))) {
                return b.describe() + ": operand " + i + " of equation '" + eq + "' is broadcast";
            }
            if (term.contains("...") && !eq.output().contains("...")) {
                return b.describe() + ": equation '" + eq + "' sums the ellipsis dims";
            }
        }
        return null;
    }

    @Override
    public void backward(Backward b) {
        String dy = b.gradOut(0);
        if (dy == null) {
            return;
        }
        EinsumEquation eq = equation(b);
        for (int i = 0; i < eq.inputs().size(); i++) {
            if (!b.needsGrad(i)) {
                continue;
            }
            List<String> terms = new ArrayList<>(List.of(eq.output()));
            List<String> operands = new ArrayList<>(List.of(dy));
            for (int j = 0; j < eq.inputs().size(); j++) {
                if (j != i) {
                    terms.add(eq.inputs().get(j));
                    operands.add(b.input(j));
                }
            }
            String grad = String.join(",", terms) + "->" + eq.inputs().get(i);
            b.addGrad(i, b.op("Einsum", operands, Attributes.ofString("equation", grad)));
        }
    }

    private static EinsumEquation equation(Backward b) {
        return EinsumEquation.parse(b.attrString("equation", ""));
    }
}
