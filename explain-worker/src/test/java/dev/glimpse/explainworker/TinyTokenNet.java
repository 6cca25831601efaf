package dev.glimpse.explainworker;

import static dev.glimpse.explainworker.TinyCnn.ints;
import static dev.glimpse.explainworker.TinyCnn.node;
import static dev.glimpse.explainworker.TinyCnn.prop;
import static dev.glimpse.explainworker.TinyCnn.weights;

import dev.glimpse.engine.onnx.Onnx;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/**
 * A vision-transformer-shaped model written as ONNX in code, with the metadata of {@link TinyCnn} (gray 16×16):
 * [N,1,16,16] → Conv(4, 4×4 patches, stride 4) = {@link #PATCHES} [N,4,4,4] → Reshape [N,4,16] → Transpose [0,2,1] =
 * {@link #TOKENS} [N,16,4] (16 patch tokens, no class token) → MatMul → Relu → mean over the tokens → Gemm → logits.
 * The token tensor is the patch map read differently, so a CAM on it equals the CAM on {@link #PATCHES}.
 */
public final class TinyTokenNet {

    public static final String PATCHES = "patches";
    public static final String TOKENS = "tokens";

    private TinyTokenNet() {
    }

    public static Path write(Path file, long seed) {
        Random r = new Random(seed);
        Onnx.ModelProto cnn = TinyCnn.build("1", seed);
        Onnx.GraphProto.Builder g = Onnx.GraphProto.newBuilder().setName("tokens").addInput(cnn.getGraph().getInput(0))
                .addOutput(cnn.getGraph().getOutput(0));
        g.addInitializer(weights("patch_w", r, 0.5, 4, 1, 4, 4));
        g.addInitializer(weights("patch_b", r, 0.1, 4));
        g.addInitializer(Onnx.TensorProto.newBuilder().setName("to_seq").setDataType(7).addDims(3)
                .addInt64Data(-1).addInt64Data(4).addInt64Data(16).build());
        g.addInitializer(weights("mlp", r, 0.7, 4, 4));
        g.addInitializer(weights("head_w", r, 1.0, 3, 4));
        g.addInitializer(weights("head_b", r, 0.1, 3));
        g.addNode(node("Conv", new String[] {"image", "patch_w", "patch_b"}, PATCHES, ints("kernel_shape", 4, 4), ints("strides", 4, 4)));
        g.addNode(node("Reshape", new String[] {PATCHES, "to_seq"}, "seq"));
        g.addNode(node("Transpose", new String[] {"seq"}, TOKENS, ints("perm", 0, 2, 1)));
        g.addNode(node("MatMul", new String[] {TOKENS, "mlp"}, "mixed"));
        g.addNode(node("Relu", new String[] {"mixed"}, "mixed_relu"));
        g.addNode(node("ReduceMean", new String[] {"mixed_relu"}, "pooled", ints("axes", 1),
                Onnx.AttributeProto.newBuilder().setName("keepdims").setType(Onnx.AttributeProto.AttributeType.INT).setI(0).build()));
        g.addNode(node("Gemm", new String[] {"pooled", "head_w", "head_b"}, "logits",
                Onnx.AttributeProto.newBuilder().setName("transB").setType(Onnx.AttributeProto.AttributeType.INT).setI(1).build()));
        Onnx.ModelProto model = cnn.toBuilder().setGraph(g).build();
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.write(file, model.toByteArray());
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
