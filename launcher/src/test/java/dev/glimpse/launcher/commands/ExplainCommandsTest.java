package dev.glimpse.launcher.commands;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.glimpse.engine.onnx.Onnx;
import dev.glimpse.explain.Tensor;
import dev.glimpse.explain.io.Npy;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class ExplainCommandsTest {

    /** x [1,1,30,30] → Conv(10, 5×5) → MaxPool 2 → Flatten → Gemm 200: the seed network of the inspect issue. */
    private static Onnx.ModelProto seedNetwork() {
        Onnx.GraphProto.Builder g = Onnx.GraphProto.newBuilder().setName("seed");
        g.addInput(Onnx.ValueInfoProto.newBuilder().setName("x").setType(Onnx.TypeProto.newBuilder().setTensorType(
                Onnx.TypeProto.Tensor.newBuilder().setElemType(1).setShape(Onnx.TensorShapeProto.newBuilder()
                        .addDim(dim(1)).addDim(dim(1)).addDim(dim(30)).addDim(dim(30))))));
        g.addInitializer(weights("w", 10, 1, 5, 5)).addInitializer(weights("b", 10))
                .addInitializer(weights("fw", 200, 1690)).addInitializer(weights("fb", 200));
        g.addNode(node("Conv", "c", "x", "w", "b"));
        g.addNode(node("MaxPool", "p", "c").toBuilder().addAttribute(ints("kernel_shape", 2)).addAttribute(ints("strides", 2)));
        g.addNode(node("Flatten", "f", "p"));
        g.addNode(node("Gemm", "y", "f", "fw", "fb").toBuilder().addAttribute(Onnx.AttributeProto.newBuilder()
                .setName("transB").setType(Onnx.AttributeProto.AttributeType.INT).setI(1)));
        g.addOutput(Onnx.ValueInfoProto.newBuilder().setName("y").setType(Onnx.TypeProto.newBuilder()
                .setTensorType(Onnx.TypeProto.Tensor.newBuilder().setElemType(1))));
        return Onnx.ModelProto.newBuilder().setIrVersion(7)
                .addOpsetImport(Onnx.OperatorSetIdProto.newBuilder().setVersion(13)).setGraph(g).build();
    }

    @Test
    void shouldPrintSeedNetworkTotalsAsJsonAndDrawSvg(@TempDir Path dir) throws Exception {
        Path model = dir.resolve("seed.onnx");
        Files.write(model, seedNetwork().toByteArray());
        Path svg = dir.resolve("arch.svg");
        String out = capture(() -> new CommandLine(new InspectCommand()).execute("--model", model.toString(), "--json", "--svg", svg.toString()));
        JsonNode json = new ObjectMapper().readTree(out);
        assertEquals(338_460, json.get("totalParameters").asLong());
        assertEquals(260, json.get("layers").get(0).get("parameters").asLong());
        assertEquals(1690, json.get("layers").get(1).get("outputElements").asLong());
        assertTrue(Files.readString(svg).startsWith("<svg"));
    }

    @Test
    void shouldWriteNpyPngAndSummaryForFeatureMaps(@TempDir Path dir) throws Exception {
        Path model = dir.resolve("seed.onnx");
        Files.write(model, seedNetwork().toByteArray());
        Path x = dir.resolve("x.npy");
        Npy.write(x, new Tensor(new int[] {1, 30, 30}, new float[900]));
        Path out = dir.resolve("out");
        int code = new CommandLine(new ExplainCommand()).execute("--model", model.toString(), "--input", x.toString(),
                "--method", "featuremaps", "--out", out.toString(), "--target", "3");
        assertEquals(0, code);
        // featuremaps of the default layer (the pooled 13x13 maps, the last spatial activation) as [C',H',W']
        assertEquals(java.util.List.of(10, 13, 13), java.util.Arrays.stream(Npy.read(out.resolve("featuremaps.npy")).shape()).boxed().toList());
        assertTrue(Files.size(out.resolve("featuremaps.png")) > 0);
        JsonNode summary = new ObjectMapper().readTree(out.resolve("summary.json").toFile());
        assertEquals(3, summary.get("target").asInt());
        assertEquals("p", summary.get("layer").asText());
        assertEquals(200, summary.get("probabilities").size());
    }

    @Test
    void shouldDrawTheHeatmapPngOverTheNonSquareOriginalOnlyWhereTheCenterCropLetTheModelSee(@TempDir Path dir)
            throws Exception {
        // Given the seed network fed as Resize(30) -> CenterCrop(30), and a uniform 90x30 image: the model sees x in
        // [30, 60) of it
        Path model = dir.resolve("seed.onnx");
        Files.write(model, seedNetwork().toBuilder()
                .addMetadataProps(prop("glimpse.input.colour", "gray")).addMetadataProps(prop("glimpse.input.size", "30x30"))
                .addMetadataProps(prop("glimpse.input.resize", "30")).addMetadataProps(prop("glimpse.input.crop", "center"))
                .addMetadataProps(prop("glimpse.input.mean", "[0]")).addMetadataProps(prop("glimpse.input.std", "[1]"))
                .build().toByteArray());
        BufferedImage img = new BufferedImage(90, 30, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < 30; y++) {
            for (int x = 0; x < 90; x++) {
                img.getRaster().setSample(x, y, 0, 77);
            }
        }
        Path input = dir.resolve("wide.png");
        ImageIO.write(img, "png", input.toFile());
        Path out = dir.resolve("out");

        // When eigencam explains it
        int code = new CommandLine(new ExplainCommand()).execute("--model", model.toString(), "--input", input.toString(),
                "--method", "eigencam", "--out", out.toString(), "--faithfulness-steps", "0");

        // Then the PNG has the original's 3:1 aspect (enlarged twice), its outer thirds are the original's own pixels
        // and only the centre third carries the heatmap
        assertEquals(0, code);
        BufferedImage png = ImageIO.read(out.resolve("eigencam.png").toFile());
        assertEquals(180, png.getWidth());
        assertEquals(60, png.getHeight());
        int original = (77 << 16) | (77 << 8) | 77;
        for (int y = 0; y < 60; y++) {
            assertEquals(original, png.getRGB(10, y) & 0xFFFFFF, "left third, row " + y);
            assertEquals(original, png.getRGB(170, y) & 0xFFFFFF, "right third, row " + y);
        }
        boolean coloured = false;
        for (int x = 60; x < 120; x++) {
            coloured |= (png.getRGB(x, 30) & 0xFFFFFF) != original;
        }
        assertTrue(coloured, "the centre third carries the heatmap");
    }

    private static Onnx.StringStringEntryProto prop(String key, String value) {
        return Onnx.StringStringEntryProto.newBuilder().setKey(key).setValue(value).build();
    }

    @Test
    void shouldRejectUnknownMethodNamingIt(@TempDir Path dir) throws Exception {
        Path model = dir.resolve("seed.onnx");
        Files.write(model, seedNetwork().toByteArray());
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream old = System.err;
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        int code;
        try {
            code = new CommandLine(new ExplainCommand()).execute("--model", model.toString(), "--input", model.toString(),
                    "--method", "gradcam,magic", "--out", dir.resolve("o").toString());
        } finally {
            System.setErr(old);
        }
        assertEquals(2, code);
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("unknown method 'magic'"), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void shouldListTheClosestTensorNamesForAnUnknownLayer(@TempDir Path dir) throws Exception {
        // Given the seed network, whose tensors are x, c (conv), p (pool), f (flatten), y (logits)
        Path model = dir.resolve("seed.onnx");
        Files.write(model, seedNetwork().toByteArray());
        Path x = dir.resolve("x.npy");
        Npy.write(x, new Tensor(new int[] {1, 30, 30}, new float[900]));

        // When explain and inspect are given a layer name the model does not have
        String[] explainErr = new String[1];
        int explainCode = captureErr(explainErr, () -> new CommandLine(new ExplainCommand()).execute("--model", model.toString(),
                "--input", x.toString(), "--method", "gradcam", "--out", dir.resolve("o").toString(), "--layer", "pool"));
        String[] inspectErr = new String[1];
        int inspectCode = captureErr(inspectErr, () -> new CommandLine(new InspectCommand()).execute("--model", model.toString(),
                "--layer", "cc"));

        // Then both refuse it and name the closest tensors (explain: the 4-D ones CAM can use; p before c, one edit less)
        assertEquals(2, explainCode, explainErr[0]);
        assertTrue(explainErr[0].contains("--layer 'pool' is not a tensor of the model; closest tensor names: p, c"),
                explainErr[0]);
        assertEquals(2, inspectCode, inspectErr[0]);
        assertTrue(inspectErr[0].contains("--layer 'cc' is not a tensor of the model; closest tensor names: c, "), inspectErr[0]);
    }

    @Test
    void shouldShowOnlyTheLayerWritingTheGivenTensor(@TempDir Path dir) throws Exception {
        Path model = dir.resolve("seed.onnx");
        Files.write(model, seedNetwork().toByteArray());
        String out = capture(() -> new CommandLine(new InspectCommand()).execute("--model", model.toString(), "--layer", "p"));
        String[] lines = out.split("\\R");
        // input line, header, the pool's row ending with its tensor name, totals
        assertEquals(4, lines.length, out);
        assertTrue(lines[2].startsWith("p ") && lines[2].contains("MaxPool") && lines[2].endsWith(" p"), lines[2]);
    }

    @Test
    void shouldPutTheTopClassesWithLabelsBeforeTheFullProbabilityVector(@TempDir Path dir) throws Exception {
        // Given the seed network with class names in its metadata (200 classes: "class-0".."class-199")
        StringBuilder labels = new StringBuilder("[");
        for (int i = 0; i < 200; i++) {
            labels.append(i == 0 ? "" : ",").append("\"class-").append(i).append('"');
        }
        Onnx.ModelProto named = seedNetwork().toBuilder().addMetadataProps(Onnx.StringStringEntryProto.newBuilder()
                .setKey("glimpse.labels").setValue(labels.append(']').toString())).build();
        Path model = dir.resolve("seed.onnx");
        Files.write(model, named.toByteArray());
        Path x = dir.resolve("x.npy");
        float[] pixels = new float[900];
        java.util.Arrays.fill(pixels, 0.5f);
        Npy.write(x, new Tensor(new int[] {1, 30, 30}, pixels));

        // When explain writes its summary
        Path out = dir.resolve("out");
        assertEquals(0, new CommandLine(new ExplainCommand()).execute("--model", model.toString(), "--input", x.toString(),
                "--method", "featuremaps", "--out", out.toString()));
        JsonNode summary = new ObjectMapper().readTree(out.resolve("summary.json").toFile());

        // Then "top" (five classes, named, likeliest first) comes before "probabilities" (all 200, by index)
        java.util.List<String> fields = new java.util.ArrayList<>();
        summary.fieldNames().forEachRemaining(fields::add);
        assertTrue(fields.indexOf("top") >= 0 && fields.indexOf("top") < fields.indexOf("probabilities"), fields.toString());
        JsonNode top = summary.get("top");
        assertEquals(5, top.size());
        JsonNode probabilities = summary.get("probabilities");
        assertEquals(200, probabilities.size());
        int first = top.get(0).get("class").asInt();
        assertEquals(summary.get("top1").asInt(), first);
        assertEquals("class-" + first, top.get(0).get("label").asText());
        assertEquals(probabilities.get(first).asDouble(), top.get(0).get("probability").asDouble(), 1e-9);
        for (int i = 1; i < 5; i++) { // likeliest first
            assertTrue(top.get(i - 1).get("probability").asDouble() >= top.get(i).get("probability").asDouble());
        }
        assertEquals("class-" + summary.get("target").asInt(), summary.get("targetLabel").asText());
    }

    private static int captureErr(String[] err, java.util.function.IntSupplier r) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream old = System.err;
        System.setErr(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            return r.getAsInt();
        } finally {
            System.setErr(old);
            err[0] = buf.toString(StandardCharsets.UTF_8);
        }
    }

    private static String capture(Runnable r) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream old = System.out;
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            r.run();
        } finally {
            System.setOut(old);
        }
        return buf.toString(StandardCharsets.UTF_8);
    }

    private static Onnx.TensorShapeProto.Dimension dim(long v) {
        return Onnx.TensorShapeProto.Dimension.newBuilder().setDimValue(v).build();
    }

    private static Onnx.TensorProto weights(String name, long... dims) {
        Onnx.TensorProto.Builder t = Onnx.TensorProto.newBuilder().setName(name).setDataType(1);
        long n = 1;
        for (long d : dims) {
            t.addDims(d);
            n *= d;
        }
        java.util.Random r = new java.util.Random(name.hashCode());
        for (int i = 0; i < n; i++) {
            t.addFloatData((float) (r.nextGaussian() * 0.05));
        }
        return t.build();
    }

    private static Onnx.NodeProto node(String op, String out, String... in) {
        return Onnx.NodeProto.newBuilder().setOpType(op).setName(out).addOutput(out).addAllInput(java.util.List.of(in)).build();
    }

    private static Onnx.AttributeProto ints(String name, long v) {
        return Onnx.AttributeProto.newBuilder().setName(name).setType(Onnx.AttributeProto.AttributeType.INTS).addInts(v).addInts(v).build();
    }
}
