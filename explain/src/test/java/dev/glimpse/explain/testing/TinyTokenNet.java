package dev.glimpse.explain.testing;

import static dev.glimpse.explain.testing.GraphBuilder.i;
import static dev.glimpse.explain.testing.GraphBuilder.ints;

import dev.glimpse.engine.onnx.Onnx;

/**
 * One activation seen three ways, so that CAMs on token and channels-last layers can be checked against the
 * same CAM on a channels-first layer: x [1,3,8,8] → Conv(4, 2×2, stride 2) = {@link #conv} [1,4,4,4] → Transpose
 * [0,2,3,1] = {@link #channelsLast} [1,4,4,4] → Transpose [0,3,1,2] → Relu = {@link #channelsFirst} → Reshape [1,4,16]
 * → Transpose [0,2,1] → Concat(class token, ·) = {@link #tokens} [1,17,4] → MatMul → Relu → mean of the patch
 * tokens → Gemm → logits [1,3].
 */
public final class TinyTokenNet {

    public final String conv;
    public final String channelsLast;
    public final String channelsFirst;
    public final String tokens;
    public final Onnx.ModelProto model;

    public TinyTokenNet(long seed) {
        GraphBuilder b = new GraphBuilder(seed).input("x", 1, 3, 8, 8);
        conv = b.node("Conv", new String[] {"x", b.initializer("patch.w", null, 0.5, 4, 3, 2, 2)},
                ints("kernel_shape", 2, 2), ints("strides", 2, 2));
        channelsLast = b.node("Transpose", new String[] {conv}, ints("perm", 0, 2, 3, 1));
        channelsFirst = b.node("Relu", new String[] {b.node("Transpose", new String[] {channelsLast}, ints("perm", 0, 3, 1, 2))});
        String seq = b.node("Transpose", new String[] {b.node("Reshape", new String[] {channelsFirst,
            b.int64Initializer("to_seq", 1, 4, 16)})}, ints("perm", 0, 2, 1));
        tokens = b.node("Concat", new String[] {b.initializer("cls", null, 1.0, 1, 1, 4), seq}, i("axis", 1));
        String mixed = b.node("Relu", new String[] {b.node("MatMul", new String[] {tokens, b.initializer("mlp", null, 0.7, 4, 4)})});
        String patches = b.node("Slice", new String[] {mixed, b.int64Initializer("s0", 1), b.int64Initializer("s1", 17),
            b.int64Initializer("s2", 1)});
        String pooled = b.node("ReduceMean", new String[] {patches}, ints("axes", 1), i("keepdims", 0));
        String logits = b.node("Gemm", new String[] {pooled, b.initializer("head", null, 1.0, 3, 4)}, i("transB", 1));
        model = b.output(logits).build();
    }
}
