package dev.glimpse.engine.autodiff;

import dev.glimpse.engine.graph.Attributes;
import dev.glimpse.engine.graph.ModelBuilder;
import dev.glimpse.engine.graph.OnnxModel;
import dev.glimpse.engine.graph.Tensors;

/** Small CNNs written in code, shaped like the torchvision families the engine targets. */
public final class SmallCnns {

    private static int seed = 100;

    private SmallCnns() {
    }

    private static void conv(ModelBuilder mb, String in, String out, int cin, int cout, int k, int stride, int pad, int group) {
        String w = out + "_w";
        mb.initializer(w, GradientCheck.randn(cout * (cin / group) * k * k, seed++), cout, cin / group, k, k);
        mb.initializer(out + "_b", GradientCheck.randn(cout, seed++), cout);
        mb.node("Conv", new String[] {in, w, out + "_b"}, new String[] {out}, Attributes.ofInts("kernel_shape", k, k),
                Attributes.ofInts("strides", stride, stride), Attributes.ofInts("pads", pad, pad, pad, pad),
                Attributes.ofInt("group", group));
    }

    private static void bn(ModelBuilder mb, String in, String out, int c) {
        float[] var = GradientCheck.randn(c, seed++);
        for (int i = 0; i < c; i++) {
            var[i] = 0.5f + Math.abs(var[i]);
        }
        float[] scale = GradientCheck.randn(c, seed++);
        for (int i = 0; i < c; i++) {
            scale[i] += 1f;
        }
        mb.initializer(out + "_s", scale, c).initializer(out + "_bias", GradientCheck.randn(c, seed++), c)
                .initializer(out + "_m", GradientCheck.randn(c, seed++), c).initializer(out + "_v", var, c);
        mb.node("BatchNormalization", new String[] {in, out + "_s", out + "_bias", out + "_m", out + "_v"}, new String[] {out});
    }

    private static void fc(ModelBuilder mb, String in, String out, int fin, int fout) {
        mb.initializer(out + "_w", GradientCheck.randn(fout * fin, seed++), fout, fin)
                .initializer(out + "_b", GradientCheck.randn(fout, seed++), fout)
                .node("Gemm", new String[] {in, out + "_w", out + "_b"}, new String[] {out}, Attributes.ofInt("transB", 1));
    }

    /** conv-bn-relu-maxpool(ceil)-conv-bn-relu-GAP-flatten-gemm, opset 11 (unfused BN, like torch exports). */
    public static OnnxModel vggLike() {
        seed = 100;
        ModelBuilder mb = new ModelBuilder(11).input("input", -1, 3, 9, 9);
        conv(mb, "input", "c1", 3, 4, 3, 1, 1, 1);
        bn(mb, "c1", "b1", 4);
        mb.node("Relu", "b1", "r1");
        mb.node("MaxPool", "r1", "p1", Attributes.ofInts("kernel_shape", 3, 3), Attributes.ofInts("strides", 2, 2),
                Attributes.ofInt("ceil_mode", 1));
        conv(mb, "p1", "c2", 4, 6, 3, 1, 1, 1);
        bn(mb, "c2", "b2", 6);
        mb.node("Relu", "b2", "r2");
        mb.node("GlobalAveragePool", "r2", "gap");
        mb.node("Flatten", "gap", "flat");
        fc(mb, "flat", "logits", 6, 5);
        return mb.output("logits").build();
    }

    /** A ResNet basic block: conv-bn-relu-conv-bn + identity, relu, then avgpool + fc. Opset 13. */
    public static OnnxModel residual() {
        seed = 200;
        ModelBuilder mb = new ModelBuilder(13).input("input", -1, 4, 6, 6);
        conv(mb, "input", "c1", 4, 4, 3, 1, 1, 1);
        bn(mb, "c1", "b1", 4);
        mb.node("Relu", "b1", "r1");
        conv(mb, "r1", "c2", 4, 4, 3, 1, 1, 1);
        bn(mb, "c2", "b2", 4);
        mb.node("Add", new String[] {"b2", "input"}, new String[] {"sum"});
        mb.node("Relu", "sum", "r2");
        mb.node("AveragePool", "r2", "ap", Attributes.ofInts("kernel_shape", 2, 2), Attributes.ofInts("strides", 2, 2));
        mb.node("Flatten", "ap", "flat");
        fc(mb, "flat", "logits", 36, 3);
        return mb.output("logits").build();
    }

    /** An Inception-like block: 1×1 conv, 3×3 conv and 3×3/1 max-pool branches concatenated; then torch-style dynamic flatten. */
    public static OnnxModel concatBlock() {
        seed = 300;
        ModelBuilder mb = new ModelBuilder(13).input("input", -1, 3, 5, 5);
        conv(mb, "input", "a", 3, 2, 1, 1, 0, 1);
        mb.node("Relu", "a", "ar");
        conv(mb, "input", "b", 3, 3, 3, 1, 1, 1);
        mb.node("Tanh", "b", "br");
        mb.node("MaxPool", "input", "c", Attributes.ofInts("kernel_shape", 3, 3), Attributes.ofInts("pads", 1, 1, 1, 1));
        mb.node("Concat", new String[] {"ar", "br", "c"}, new String[] {"cat"}, Attributes.ofInt("axis", 1));
        // x.view(x.size(0), -1) as torch.onnx writes it
        mb.node("Shape", "cat", "shape");
        mb.initializer(Tensors.longs("zero", new long[] {0}));
        mb.node("Gather", new String[] {"shape", "zero"}, new String[] {"n0"}, Attributes.ofInt("axis", 0));
        mb.longs("axis0", 0);
        mb.node("Unsqueeze", new String[] {"n0", "axis0"}, new String[] {"n"});
        mb.longs("minus1", -1);
        mb.node("Concat", new String[] {"n", "minus1"}, new String[] {"target"}, Attributes.ofInt("axis", 0));
        mb.node("Reshape", new String[] {"cat", "target"}, new String[] {"flat"});
        fc(mb, "flat", "logits", 8 * 25, 4);
        return mb.output("logits").build();
    }

    /** MobileNet-style: depthwise 3×3 + pointwise 1×1, ReLU6 as Clip, HardSwish, SE-like Sigmoid gating. Opset 14. */
    public static OnnxModel depthwiseSeparable() {
        seed = 400;
        ModelBuilder mb = new ModelBuilder(14).input("input", -1, 4, 6, 6);
        mb.initializer(Tensors.scalar("zero6", 0f)).initializer(Tensors.scalar("six", 6f));
        conv(mb, "input", "dw", 4, 4, 3, 2, 1, 4);
        bn(mb, "dw", "dwb", 4);
        mb.node("Clip", new String[] {"dwb", "zero6", "six"}, new String[] {"dwr"});
        conv(mb, "dwr", "pw", 4, 6, 1, 1, 0, 1);
        mb.node("HardSwish", "pw", "hs");
        mb.node("GlobalAveragePool", "hs", "se");
        mb.node("Sigmoid", "se", "gate");
        mb.node("Mul", new String[] {"hs", "gate"}, new String[] {"gated"});
        mb.longs("axes", 2, 3);
        mb.node("ReduceMean", "gated", "pooled", Attributes.ofInts("axes", 2, 3), Attributes.ofInt("keepdims", 0));
        fc(mb, "pooled", "logits", 6, 3);
        return mb.output("logits").build();
    }

    /** Exported with a fixed batch of 1: Reshape target [1, -1] and a Softmax output (opset 11). */
    public static OnnxModel fixedBatch() {
        seed = 500;
        ModelBuilder mb = new ModelBuilder(11).input("input", 1, 2, 4, 4);
        conv(mb, "input", "c", 2, 3, 3, 1, 0, 1);
        mb.node("Tanh", "c", "t");
        mb.longs("target", 1, -1);
        mb.node("Reshape", new String[] {"t", "target"}, new String[] {"flat"});
        fc(mb, "flat", "logits", 12, 3);
        mb.node("Softmax", "logits", "probs", Attributes.ofInt("axis", 1));
        return mb.output("probs").output("logits").build();
    }

    /**
     * Exported with a fixed batch of 1, the Reshape target assembled as Swin's window partition is: Concat of a
     * constant batch entry [1], a dimension read with Shape and [-1] (opset 13).
     */
    public static OnnxModel fixedBatchAssembledTarget() {
        seed = 600;
        ModelBuilder mb = new ModelBuilder(13).input("input", 1, 2, 4, 4);
        conv(mb, "input", "c", 2, 3, 3, 1, 0, 1);
        mb.node("Tanh", "c", "t");
        mb.node("Shape", "t", "t_shape");
        mb.longs("channel_axis", 1);
        mb.node("Gather", new String[] {"t_shape", "channel_axis"}, new String[] {"channels"}, Attributes.ofInt("axis", 0));
        mb.longs("batch_entry", 1);
        mb.longs("rest", -1);
        mb.node("Concat", new String[] {"batch_entry", "channels", "rest"}, new String[] {"windows_target"},
                Attributes.ofInt("axis", 0));
        mb.node("Reshape", new String[] {"t", "windows_target"}, new String[] {"windows"});
        mb.node("Sigmoid", "windows", "w_act");
        mb.longs("target", 1, -1);
        mb.node("Reshape", new String[] {"w_act", "target"}, new String[] {"flat"});
        fc(mb, "flat", "logits", 12, 3);
        return mb.output("logits").build();
    }

    /**
     * Exported with a fixed batch of 1, the batch folded into dimension 0 and split out again by constant Reshape
     * targets, as Swin's window partition and reverse are: [1, 3, 2, 2] to [3, 4] to [1, 3, 4] (opset 13).
     */
    public static OnnxModel fixedBatchFoldedIntoWindows() {
        seed = 700;
        ModelBuilder mb = new ModelBuilder(13).input("input", 1, 2, 4, 4);
        conv(mb, "input", "c", 2, 3, 3, 1, 0, 1);
        mb.node("Tanh", "c", "t");
        mb.longs("fold", 3, 4);
        mb.node("Reshape", new String[] {"t", "fold"}, new String[] {"windows"});
        mb.node("Sigmoid", "windows", "w_act");
        mb.longs("unfold", 1, 3, 4);
        mb.node("Reshape", new String[] {"w_act", "unfold"}, new String[] {"merged"});
        mb.longs("target", 1, -1);
        mb.node("Reshape", new String[] {"merged", "target"}, new String[] {"flat"});
        fc(mb, "flat", "logits", 12, 3);
        return mb.output("logits").build();
    }

    /**
     * Swin's window partition and reverse as torch 1.13 exports them with a fixed batch of 1 (opset 13): the window
     * count read with Shape, multiplied by the constant batch 1 for reshape(B * windows, w * w, C) (the batch folded
     * into dimension 0 by a Concat target), and view(B, H / w, W / w, w, w, C) splitting it out again with a constant
     * batch entry while the data's dimension 0 is B * windows. Channels-last [1, 4, 4, 3], windows of 2.
     */
    public static OnnxModel fixedBatchWindowsFromShapes() {
        seed = 800;
        ModelBuilder mb = new ModelBuilder(13).input("input", 1, 2, 4, 4);
        conv(mb, "input", "c", 2, 3, 3, 1, 1, 1);
        mb.node("Tanh", "c", "t");
        mb.node("Transpose", new String[] {"t"}, new String[] {"nhwc"}, Attributes.ofInts("perm", 0, 2, 3, 1));
        mb.node("Shape", "nhwc", "nhwc_shape");
        mb.longs("h_axis", 1);
        mb.longs("w_axis", 2);
        mb.node("Gather", new String[] {"nhwc_shape", "h_axis"}, new String[] {"h"}, Attributes.ofInt("axis", 0));
        mb.node("Gather", new String[] {"nhwc_shape", "w_axis"}, new String[] {"w"}, Attributes.ofInt("axis", 0));
        mb.longs("window", 2);
        mb.node("Div", new String[] {"h", "window"}, new String[] {"rows"});
        mb.node("Div", new String[] {"w", "window"}, new String[] {"cols"});
        mb.longs("batch_entry", 1);
        mb.longs("c_entry", 3);
        // view(B, H / w, w, W / w, w, C): a constant batch entry, the data's dimension 0 the batch
        mb.node("Concat", new String[] {"batch_entry", "rows", "window", "cols", "window", "c_entry"},
                new String[] {"partition_target"}, Attributes.ofInt("axis", 0));
        mb.node("Reshape", new String[] {"nhwc", "partition_target"}, new String[] {"partitioned"});
        mb.node("Transpose", new String[] {"partitioned"}, new String[] {"grouped"}, Attributes.ofInts("perm", 0, 1, 3, 2, 4, 5));
        // reshape(B * windows, w * w, C): the constant batch times the window count read with Shape
        mb.node("Mul", new String[] {"rows", "cols"}, new String[] {"windows_count"});
        mb.node("Mul", new String[] {"batch_entry", "windows_count"}, new String[] {"batch_windows"});
        mb.longs("tokens_entry", 4);
        mb.node("Concat", new String[] {"batch_windows", "tokens_entry", "c_entry"}, new String[] {"fold_target"},
                Attributes.ofInt("axis", 0));
        mb.node("Reshape", new String[] {"grouped", "fold_target"}, new String[] {"windows"});
        mb.node("Sigmoid", "windows", "w_act");
        // view(B, H / w, W / w, w, w, C): the constant batch entry again, the data's dimension 0 now B * windows
        mb.node("Concat", new String[] {"batch_entry", "rows", "cols", "window", "window", "c_entry"},
                new String[] {"unfold_target"}, Attributes.ofInt("axis", 0));
        mb.node("Reshape", new String[] {"w_act", "unfold_target"}, new String[] {"unfolded"});
        mb.node("Transpose", new String[] {"unfolded"}, new String[] {"merged"}, Attributes.ofInts("perm", 0, 1, 3, 2, 4, 5));
        mb.node("Concat", new String[] {"batch_entry", "h", "w", "c_entry"}, new String[] {"merge_target"},
                Attributes.ofInt("axis", 0));
        mb.node("Reshape", new String[] {"merged", "merge_target"}, new String[] {"map"});
        mb.longs("target", 1, -1);
        mb.node("Reshape", new String[] {"map", "target"}, new String[] {"flat"});
        fc(mb, "flat", "logits", 48, 3);
        return mb.output("logits").build();
    }
}
