package dev.glimpse.explain.testing;

import static dev.glimpse.explain.testing.GraphBuilder.i;
import static dev.glimpse.explain.testing.GraphBuilder.ints;

import dev.glimpse.engine.onnx.Onnx;
import dev.glimpse.explain.Tensor;
import java.util.Random;

/**
 * A ShuffleNet v2 unit as torch.onnx exports it at opset 13, with the shape arithmetic kept live:
 * x [1,2,8,8] → Conv(8, 3×3) → Relu → Split [4,4] on channels → (x1, Relu(Conv1×1(x2))) → Concat → channel
 * shuffle with 2 groups computed from Shape→Gather→Div→Unsqueeze→Concat→Reshape→Transpose→Reshape → Conv(6, 3×3)
 * → Relu (= {@link #layer}) → GlobalAveragePool → Flatten → Gemm → logits [1,4]. With {@code foldedShapes} the
 * shuffle's Reshape targets are constants pinning the exported batch ([1, 2, 4, 8, 8], [1, -1, 8, 8]), as torch.onnx
 * writes them for a fixed-shape export.
 */
public final class ChannelShuffleCnn {

    public static final int C = 2;
    public static final int H = 8;
    public static final int W = 8;
    public static final int CLASSES = 4;

    public final String layer;
    public final String shuffled;
    public final Onnx.ModelProto model;

    public ChannelShuffleCnn(long seed) {
        this(seed, false);
    }

    public ChannelShuffleCnn(long seed, boolean foldedShapes) {
        GraphBuilder b = new GraphBuilder(seed).input("x", 1, C, H, W);
        String c1 = b.node("Relu", new String[] {b.node("Conv", new String[] {"x", b.initializer("c1.w", null, 0.5, 8, C, 3, 3),
            b.initializer("c1.b", null, 0.1, 8)}, ints("kernel_shape", 3, 3), ints("pads", 1, 1, 1, 1))});
        String[] halves = b.nodeWithOutputs("Split", 2, new String[] {c1, b.int64Initializer("split", 4, 4)}, i("axis", 1));
        String branch = b.node("Relu", new String[] {b.node("Conv", new String[] {halves[1],
            b.initializer("c2.w", null, 0.5, 4, 4, 1, 1), b.initializer("c2.b", null, 0.1, 4)}, ints("kernel_shape", 1, 1))});
        String joined = b.node("Concat", new String[] {halves[0], branch}, i("axis", 1));
        shuffled = foldedShapes ? foldedChannelShuffle(b, joined) : channelShuffle(b, joined, 2);
        layer = b.node("Relu", new String[] {b.node("Conv", new String[] {shuffled, b.initializer("c3.w", null, 0.5, 6, 8, 3, 3),
            b.initializer("c3.b", null, 0.1, 6)}, ints("kernel_shape", 3, 3), ints("pads", 1, 1, 1, 1))});
        String flat = b.node("Flatten", new String[] {b.node("GlobalAveragePool", new String[] {layer})});
        String logits = b.node("Gemm", new String[] {flat, b.initializer("fc.w", null, 1.0, CLASSES, 6),
            b.initializer("fc.b", null, 0.1, CLASSES)}, i("transB", 1));
        model = b.output(logits).build();
    }

    /** torchvision's channel_shuffle: view(n, g, c/g, h, w) → transpose(1, 2) → view(n, -1, h, w), sizes from Shape. */
    private static String channelShuffle(GraphBuilder b, String x, long groups) {
        String shape = b.node("Shape", new String[] {x});
        String[] dims = new String[4];
        for (int d = 0; d < 4; d++) {
            String index = b.int64Initializer("dim" + d + "_" + x, d);
            dims[d] = b.node("Gather", new String[] {shape, b.node("Squeeze", new String[] {index, b.int64Initializer("sq" + d + "_" + x, 0)})},
                    i("axis", 0));
        }
        String perGroup = b.node("Div", new String[] {dims[1], b.node("Squeeze", new String[] {
            b.int64Initializer("groups_" + x, groups), b.int64Initializer("sqg_" + x, 0)})});
        String axes0 = b.int64Initializer("axes0_" + x, 0);
        String five = b.node("Concat", new String[] {b.node("Unsqueeze", new String[] {dims[0], axes0}),
            b.int64Initializer("g_" + x, groups), b.node("Unsqueeze", new String[] {perGroup, axes0}),
            b.node("Unsqueeze", new String[] {dims[2], axes0}), b.node("Unsqueeze", new String[] {dims[3], axes0})}, i("axis", 0));
        String grouped = b.node("Transpose", new String[] {b.node("Reshape", new String[] {x, five})}, ints("perm", 0, 2, 1, 3, 4));
        String four = b.node("Concat", new String[] {b.node("Unsqueeze", new String[] {dims[0], axes0}),
            b.int64Initializer("minus1_" + x, -1), b.node("Unsqueeze", new String[] {dims[2], axes0}),
            b.node("Unsqueeze", new String[] {dims[3], axes0})}, i("axis", 0));
        return b.node("Reshape", new String[] {grouped, four});
    }

    private static String foldedChannelShuffle(GraphBuilder b, String x) {
        String grouped = b.node("Transpose", new String[] {b.node("Reshape", new String[] {x,
            b.int64Initializer("five_" + x, 1, 2, 4, H, W)})}, ints("perm", 0, 2, 1, 3, 4));
        return b.node("Reshape", new String[] {grouped, b.int64Initializer("four_" + x, 1, -1, H, W)});
    }

    public static Tensor input(long seed) {
        Random r = new Random(seed);
        float[] f = new float[C * H * W];
        for (int k = 0; k < f.length; k++) {
            f[k] = (float) r.nextGaussian();
        }
        return new Tensor(new int[] {1, C, H, W}, f);
    }
}
