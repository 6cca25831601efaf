package dev.glimpse.launcher.commands;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.glimpse.engine.onnx.Onnx;
import dev.glimpse.runtime.ModelMetadataKeys;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code finetune} and {@code evaluate} on an imported torchvision network and an image folder. */
class FinetuneCommandTest {

    /** The torchvision export of the training module's tests (training/src/test/python/export_test_classifier.py). */
    static final Path TORCHVISION_EXPORT = Path.of("../training/src/test/resources/models/mobilenet_v3_small_w025_64px.onnx");

    record Run(int exit, String out, String err) {
    }

    static Run run(Object command, String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
        try {
            int exit = new CommandLine(command).execute(args);
            return new Run(exit, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    static Path imageFolder(Path root) throws Exception {
        return imageFolder(root, 30);
    }

    static Path imageFolder(Path root, int perClass) throws Exception {
        Random rnd = new Random(5);
        for (String cls : List.of("cool", "warm")) {
            Path d = Files.createDirectories(root.resolve(cls));
            for (int i = 0; i < perClass; i++) {
                int w = 60 + rnd.nextInt(50);
                int h = 60 + rnd.nextInt(50);
                BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
                for (int y = 0; y < h; y++) {
                    for (int x = 0; x < w; x++) {
                        int r = rnd.nextInt(160) + (cls.equals("warm") ? 90 : 0);
                        int b = rnd.nextInt(160) + (cls.equals("cool") ? 90 : 0);
                        img.setRGB(x, y, (r << 16) | (rnd.nextInt(200) << 8) | b);
                    }
                }
                ImageIO.write(img, i % 2 == 0 ? "png" : "jpg", d.resolve(i + (i % 2 == 0 ? ".png" : ".jpg")).toFile());
            }
        }
        return root;
    }

    @Test
    void shouldFineTuneAnImportedTorchvisionNetworkAndEvaluateEveryImageOfTheFolder(@TempDir Path dir) throws Exception {
        assumeTrue(Files.isRegularFile(TORCHVISION_EXPORT), "run from the launcher module: " + TORCHVISION_EXPORT.toAbsolutePath());
        // Given an imported torchvision network (10 classes, BatchNormalization kept) and a two-class image folder
        Path folder = imageFolder(dir.resolve("warm-cool"));
        Path out = dir.resolve("ft.onnx");

        // When its head is replaced by a two-class one and trained
        Run ft = run(new FinetuneCommand(), "--model", TORCHVISION_EXPORT.toString(), "--dataset", folder.toString(),
                "--replace-head", "2", "--epochs", "3", "--batch", "16", "--lr", "0.01", "--no-progress",
                "--out", out.toString());

        // Then it reports validation (from the training data) and test accuracy apart, and keeps the frozen part
        assertEquals(0, ft.exit(), ft.err());
        assertTrue(ft.out().contains("examples held out from the training data); test accuracy"), ft.out());
        assertTrue(ft.out().contains("34 BatchNormalization nodes kept"), ft.out());
        Map<String, Onnx.TensorProto> before = initializers(Files.readAllBytes(TORCHVISION_EXPORT));
        Map<String, Onnx.TensorProto> after = initializers(Files.readAllBytes(out));
        before.forEach((name, t) -> {
            if (!name.startsWith("classifier.3.")) {
                assertEquals(t.getRawData(), after.get(name).getRawData(), name);
            }
        });

        // and evaluate scores every image of the folder (the test split: 60 images in all)
        Run ev = run(new EvaluateCommand(), "--model", out.toString(), "--dataset", folder.toString(), "--json");
        assertEquals(0, ev.exit(), ev.err());
        JsonNode json = new ObjectMapper().readTree(ev.out());
        assertEquals(60, json.get("total").asInt());
        assertTrue(json.get("accuracy").asDouble() > 0.75, ev.out());
        assertEquals("[\"cool\",\"warm\"]", json.get("labels").toString());
    }

    @Test
    void shouldTrainEveryEpochOfASmallFolderUnderItsOwnNameAndPrintEachEpochsValidation(@TempDir Path dir) throws Exception {
        assumeTrue(Files.isRegularFile(TORCHVISION_EXPORT), "run from the launcher module: " + TORCHVISION_EXPORT.toAbsolutePath());
        // Given a 20-image folder, smaller than the default batch of 64
        Path folder = imageFolder(dir.resolve("tiny"), 10);
        Path out = dir.resolve("tiny.onnx");

        // When it is fine-tuned for 3 epochs under a name of its own
        Run ft = run(new FinetuneCommand(), "--model", TORCHVISION_EXPORT.toString(), "--dataset", folder.toString(),
                "--replace-head", "2", "--epochs", "3", "--no-progress", "--name", "warm-or-cool", "--out", out.toString());

        // Then every epoch trains (the batch is cut to the folder, not refused) and prints its validation accuracy
        assertEquals(0, ft.exit(), ft.err());
        Matcher steps = Pattern.compile("batch (\\d+), (\\d+) steps/epoch").matcher(ft.err());
        assertTrue(steps.find(), ft.err());
        assertTrue(3 * Integer.parseInt(steps.group(2)) > 2, "3 epochs train more than 2 steps: " + steps.group());
        for (int epoch = 1; epoch <= 3; epoch++) {
            assertTrue(ft.err().contains("epoch " + epoch + "/3  loss"), ft.err());
        }
        assertTrue(ft.err().contains("validation acc"), ft.err());
        // and the model carries the new name, not its parent's, with the next version
        Map<String, String> meta = new HashMap<>();
        Onnx.ModelProto.parseFrom(Files.readAllBytes(out)).getMetadataPropsList().forEach(p -> meta.put(p.getKey(), p.getValue()));
        assertEquals("warm-or-cool", meta.get(ModelMetadataKeys.NAME), meta.toString());
    }

    @Test
    void shouldExitTwoWithOneLineForEachMistake(@TempDir Path dir) throws Exception {
        assumeTrue(Files.isRegularFile(TORCHVISION_EXPORT));
        Path folder = imageFolder(dir.resolve("f"));
        String model = TORCHVISION_EXPORT.toString();
        Map<String, String[]> mistakes = new HashMap<>();
        mistakes.put("file not found", new String[] {"--model", dir.resolve("missing.onnx").toString(), "--dataset",
                folder.toString(), "--out", dir.resolve("x.onnx").toString()});
        mistakes.put("no tensor named 'nope'", new String[] {"--model", model, "--head", "nope", "--dataset",
                folder.toString(), "--out", dir.resolve("x.onnx").toString()});
        mistakes.put("dataset directory", new String[] {"--model", model, "--dataset", dir.resolve("nothing").toString(),
                "--out", dir.resolve("x.onnx").toString()});
        for (Map.Entry<String, String[]> m : mistakes.entrySet()) {
            Run r = run(new FinetuneCommand(), m.getValue());
            assertEquals(2, r.exit(), m.getKey() + ": " + r.err());
            assertEquals(1, r.err().strip().lines().count(), r.err());
            assertTrue(r.err().contains(m.getKey()) || r.err().contains("directory"), r.err());
            assertFalse(r.err().contains("\tat "), r.err());
        }
    }

    static Map<String, Onnx.TensorProto> initializers(byte[] model) throws Exception {
        Map<String, Onnx.TensorProto> out = new HashMap<>();
        Onnx.ModelProto.parseFrom(model).getGraph().getInitializerList().forEach(t -> out.put(t.getName(), t));
        return out;
    }
}
