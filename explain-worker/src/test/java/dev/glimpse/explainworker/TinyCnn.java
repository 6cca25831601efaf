package dev.glimpse.explainworker;

import dev.glimpse.engine.onnx.Onnx;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import javax.imageio.ImageIO;

/**
 * A tiny CNN written as ONNX in code for tests: [N,1,16,16] → Conv(4,3x3) → Relu → MaxPool 2 → Conv(4,3x3) → Relu
 * ("features", [N,4,8,8]) → GlobalAveragePool → Flatten → Gemm → logits [N,3]; Glimpse metadata for a gray
 * 16×16 input.
 */
public final class TinyCnn {

    public static final String LAYER = "features";

    private TinyCnn() {
    }

    public static Path write(Path file, String version, long seed) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.write(file, build(version, seed).toByteArray());
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static Onnx.ModelProto build(String version, long seed) {
        Random r = new Random(seed);
        Onnx.GraphProto.Builder g = Onnx.GraphProto.newBuilder().setName("tiny");
        g.addInput(Onnx.ValueInfoProto.newBuilder().setName("image").setType(Onnx.TypeProto.newBuilder()
                .setTensorType(Onnx.TypeProto.Tensor.newBuilder().setElemType(1).setShape(Onnx.TensorShapeProto.newBuilder()
                        .addDim(Onnx.TensorShapeProto.Dimension.newBuilder().setDimParam("N"))
                        .addDim(dim(1)).addDim(dim(16)).addDim(dim(16))))));
        g.addOutput(Onnx.ValueInfoProto.newBuilder().setName("logits").setType(Onnx.TypeProto.newBuilder()
                .setTensorType(Onnx.TypeProto.Tensor.newBuilder().setElemType(1))));
        g.addInitializer(weights("w1", r, 0.5, 4, 1, 3, 3));
        g.addInitializer(weights("b1", r, 0.1, 4));
        g.addInitializer(weights("w2", r, 0.3, 4, 4, 3, 3));
        g.addInitializer(weights("b2", r, 0.1, 4));
        g.addInitializer(weights("w3", r, 0.5, 3, 4));
        g.addInitializer(weights("b3", r, 0.1, 3));
        g.addNode(node("Conv", new String[] {"image", "w1", "b1"}, "c1", ints("pads", 1, 1, 1, 1), ints("kernel_shape", 3, 3)));
        g.addNode(node("Relu", new String[] {"c1"}, "r1"));
        g.addNode(node("MaxPool", new String[] {"r1"}, "p1", ints("kernel_shape", 2, 2), ints("strides", 2, 2)));
        g.addNode(node("Conv", new String[] {"p1", "w2", "b2"}, "c2", ints("pads", 1, 1, 1, 1), ints("kernel_shape", 3, 3)));
        g.addNode(node("Relu", new String[] {"c2"}, LAYER));
        g.addNode(node("GlobalAveragePool", new String[] {LAYER}, "gap"));
        g.addNode(node("Flatten", new String[] {"gap"}, "flat"));
        g.addNode(node("Gemm", new String[] {"flat", "w3", "b3"}, "logits",
                Onnx.AttributeProto.newBuilder().setName("transB").setType(Onnx.AttributeProto.AttributeType.INT).setI(1).build()));
        return Onnx.ModelProto.newBuilder().setIrVersion(7).setProducerName("glimpse-test")
                .addOpsetImport(Onnx.OperatorSetIdProto.newBuilder().setDomain("").setVersion(13))
                .addMetadataProps(prop("glimpse.name", "tiny")).addMetadataProps(prop("glimpse.version", version))
                .addMetadataProps(prop("glimpse.labels", "[\"square\",\"circle\",\"triangle\"]"))
                .addMetadataProps(prop("glimpse.input.colour", "gray")).addMetadataProps(prop("glimpse.input.size", "16x16"))
                .addMetadataProps(prop("glimpse.input.mean", "[0.0]")).addMetadataProps(prop("glimpse.input.std", "[1.0]"))
                .setGraph(g).build();
    }

    /** A 256-3 linear classifier on the same input (no 4-D activation: CAM methods cannot explain it). */
    public static Onnx.ModelProto mlp(String version, long seed) {
        Random r = new Random(seed);
        Onnx.ModelProto cnn = build(version, seed);
        Onnx.GraphProto.Builder g = Onnx.GraphProto.newBuilder().setName("mlp").addInput(cnn.getGraph().getInput(0))
                .addOutput(cnn.getGraph().getOutput(0));
        g.addInitializer(weights("w", r, 0.1, 3, 256));
        g.addInitializer(weights("b", r, 0.1, 3));
        g.addNode(node("Flatten", new String[] {"image"}, "flat"));
        g.addNode(node("Gemm", new String[] {"flat", "w", "b"}, "logits",
                Onnx.AttributeProto.newBuilder().setName("transB").setType(Onnx.AttributeProto.AttributeType.INT).setI(1).build()));
        return cnn.toBuilder().setGraph(g).build();
    }

    /** A 16×16 gray PNG with a bright square at (x, y) of side 5, and its mask (one byte per pixel). */
    public static byte[][] squareImage(int x, int y) {
        BufferedImage img = new BufferedImage(16, 16, BufferedImage.TYPE_BYTE_GRAY);
        byte[] mask = new byte[16 * 16];
        for (int j = 0; j < 16; j++) {
            for (int i = 0; i < 16; i++) {
                boolean in = i >= x && i < x + 5 && j >= y && j < y + 5;
                int v = in ? 230 : 20;
                img.getRaster().setSample(i, j, 0, v);
                mask[j * 16 + i] = (byte) (in ? 1 : 0);
            }
        }
        try (ByteArrayOutputStream out = new ByteArrayOutputStream()) {
            ImageIO.write(img, "png", out);
            return new byte[][] {out.toByteArray(), mask};
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Onnx.TensorShapeProto.Dimension dim(long v) {
        return Onnx.TensorShapeProto.Dimension.newBuilder().setDimValue(v).build();
    }

    static Onnx.StringStringEntryProto prop(String k, String v) {
        return Onnx.StringStringEntryProto.newBuilder().setKey(k).setValue(v).build();
    }

    static Onnx.TensorProto weights(String name, Random r, double scale, long... dims) {
        Onnx.TensorProto.Builder t = Onnx.TensorProto.newBuilder().setName(name).setDataType(1);
        long n = 1;
        for (long d : dims) {
            t.addDims(d);
            n *= d;
        }
        for (long i = 0; i < n; i++) {
            t.addFloatData((float) (r.nextGaussian() * scale));
        }
        return t.build();
    }

    static Onnx.AttributeProto ints(String name, long... v) {
        Onnx.AttributeProto.Builder a = Onnx.AttributeProto.newBuilder().setName(name).setType(Onnx.AttributeProto.AttributeType.INTS);
        for (long x : v) {
            a.addInts(x);
        }
        return a.build();
    }

    static Onnx.NodeProto node(String op, String[] inputs, String output, Onnx.AttributeProto... attrs) {
        Onnx.NodeProto.Builder n = Onnx.NodeProto.newBuilder().setOpType(op).setName(output).addOutput(output);
        for (String i : inputs) {
            n.addInput(i);
        }
        for (Onnx.AttributeProto a : attrs) {
            n.addAttribute(a);
        }
        return n.build();
    }
}
