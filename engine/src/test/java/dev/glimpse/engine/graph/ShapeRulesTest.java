package dev.glimpse.engine.graph;

import dev.glimpse.engine.autodiff.GradientRules;
import dev.glimpse.engine.graph.shapes.ReshapeShapes;
import dev.glimpse.engine.graph.shapes.SliceShapes;
import dev.glimpse.engine.onnx.Onnx.ModelProto;
import org.junit.jupiter.api.Test;

import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ShapeRulesTest {

    /** Every operator the single ShapeInference switch handled before it became rules. */
    private static final Set<String> OPERATORS_OF_THE_FORMER_SWITCH = Set.of("Constant", "Identity", "Relu",
            "LeakyRelu", "Sigmoid", "Tanh", "HardSigmoid", "HardSwish", "Softmax", "LogSoftmax", "LRN", "Exp", "Log",
            "Neg", "Sqrt", "Abs", "Erf", "Floor", "Ceil", "Reciprocal", "Sign", "Softplus", "Softsign", "Elu", "Selu",
            "Gelu", "Celu", "Mish", "InstanceNormalization", "Clip", "PRelu", "Round", "Sin", "Cos", "ThresholdedRelu",
            "LpNormalization", "MeanVarianceNormalization", "Shrink", "Not", "IsNaN", "IsInf", "Cast", "CastLike",
            "Dropout", "BatchNormalization", "LayerNormalization", "Add", "Sub", "Mul", "Div", "Pow", "Max", "Min",
            "Sum", "Mean", "Mod", "BitShift", "Equal", "Greater", "Less", "GreaterOrEqual", "LessOrEqual", "And", "Or",
            "Xor", "Where", "Shape", "Size", "Gather", "Unsqueeze", "Squeeze", "Concat", "Reshape", "Flatten",
            "Transpose", "Slice", "Split", "Pad", "Conv", "ConvTranspose", "MaxPool", "AveragePool", "LpPool",
            "GlobalAveragePool", "GlobalMaxPool", "GlobalLpPool", "Gemm", "MatMul", "ReduceMean", "ReduceSum",
            "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2", "ReduceLogSumExp", "ReduceSumSquare",
            "ReduceLogSum", "ArgMax", "ArgMin", "TopK", "ConstantOfShape", "Expand", "Tile", "Range", "OneHot",
            "GatherElements", "ScatterElements", "ScatterND", "CumSum", "Resize", "Upsample");

    @Test
    void shouldKeepARuleForEveryOperatorTheFormerSwitchHandled() {
        Set<String> missing = new TreeSet<>(OPERATORS_OF_THE_FORMER_SWITCH);
        missing.removeAll(ShapeRules.standard().supportedOps());
        assertTrue(missing.isEmpty(), "operators without a shape rule: " + missing);
    }

    @Test
    void shouldHaveAShapeRuleForEveryOperatorWithAGradientRule() {
        // building a gradient graph infers the shapes of the forward model first
        Set<String> missing = new TreeSet<>(GradientRules.standard().supportedOps());
        missing.removeAll(ShapeRules.standard().supportedOps());
        assertTrue(missing.isEmpty(), "operators with a gradient rule but no shape rule: " + missing);
    }

    @Test
    void shouldFindTheRuleRegisteredForAnOperator() {
        ShapeRule slice = new SliceShapes();
        ShapeRules rules = ShapeRules.of(slice, new ReshapeShapes());

        assertSame(slice, rules.find("Pad").orElseThrow());
        assertTrue(rules.find("Conv").isEmpty(), "Conv was not registered");
    }

    @Test
    void shouldRefuseTwoRulesForOneOperator() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ShapeRules.of(new ReshapeShapes(), new ReshapeShapes()));

        assertTrue(e.getMessage().startsWith("two shape rules for operator "), e.getMessage());
    }

    @Test
    void shouldReportAnOperatorWithoutARuleAndWhatItLeavesUnknown() {
        // Given an operator no rule knows, followed by one that depends on its output
        OnnxModel m = new ModelBuilder(17).input("x", -1, 4)
                .node("NonMaxSuppression", "x", "y").node("Relu", "y", "z").output("z").build();

        // When shapes are inferred
        ShapeInference.Result r = ShapeInference.infer(m, 1);

        // Then the unknown shapes name the node, the operator and the missing rule, as before the rules existed
        assertEquals("no static shape for tensor 'y' (NonMaxSuppression node 'NonMaxSuppression_0': "
                + "no shape rule for operator NonMaxSuppression)", message(r, "y"));
        assertEquals("no static shape for tensor 'z' (Relu node 'Relu_1': shape of input 'y' unknown <- "
                + "NonMaxSuppression node 'NonMaxSuppression_0': no shape rule for operator NonMaxSuppression)",
                message(r, "z"));
        assertArrayEquals(new long[] {1, 4}, r.shape("x"));
    }

    @Test
    void shouldReportAnOperatorOfAnotherDomainEvenWhenTheDefaultDomainHasARule() {
        // Given a Relu of a custom domain (its semantics are not ONNX's Relu)
        ModelProto p = new ModelBuilder(17).input("x", -1, 4).node("Relu", "x", "y").output("y").build().proto();
        ModelProto custom = p.toBuilder().setGraph(p.getGraph().toBuilder()
                .setNode(0, p.getGraph().getNode(0).toBuilder().setDomain("com.example"))).build();

        // When / Then its output has no shape, and the domain is named
        assertEquals("no static shape for tensor 'y' (Relu node 'Relu_0': operator domain 'com.example' unknown)",
                message(ShapeInference.infer(OnnxModel.of(custom), 1), "y"));
    }

    private static String message(ShapeInference.Result r, String tensor) {
        return assertThrows(IllegalArgumentException.class, () -> r.shape(tensor)).getMessage();
    }
}
