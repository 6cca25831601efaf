package dev.glimpse.engine.autodiff.rules;

import dev.glimpse.engine.graph.ModelBuilder;
import dev.glimpse.engine.graph.OnnxModel;
import dev.glimpse.engine.onnx.Onnx.AttributeProto;

/** Tiny one-operator models for the per-rule finite-difference tests. */
final class OneOp {

    private OneOp() {
    }

    /** y = op(x), x of shape [N, rest...]. */
    static OnnxModel unary(int opset, String op, long[] restShape, AttributeProto... attrs) {
        long[] in = new long[restShape.length + 1];
        in[0] = -1;
        System.arraycopy(restShape, 0, in, 1, restShape.length);
        return new ModelBuilder(opset).input("x", in).node(op, "x", "y", attrs).output("y").build();
    }

    /** y = op(a, b) with both operands as graph inputs of the given shapes (negative = batch). */
    static OnnxModel binary(int opset, String op, long[] a, long[] b, AttributeProto... attrs) {
        return new ModelBuilder(opset).input("a", a).input("b", b)
                .node(op, new String[] {"a", "b"}, new String[] {"y"}, attrs).output("y").build();
    }
}
