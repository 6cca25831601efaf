package dev.glimpse.launcher.commands;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glimpse.engine.onnx.Onnx;
import dev.glimpse.launcher.Glimpse;
import dev.glimpse.runtime.ModelMetadata;
import dev.glimpse.runtime.ModelMetadataKeys;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ./glimpse models import} on a torchvision export without metadata (test resource byom/, see make_model.py). */
class ModelsImportCommandTest {

    static Path resource(String name) {
        try {
            return Path.of(ModelsImportCommandTest.class.getResource("/byom/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Runs {@code ./glimpse args...}; returns exit code, stdout, stderr. */
    record Run(int code, String out, String err) {
    }

    static synchronized Run glimpse(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            int code = Glimpse.commandLine().execute(args);
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    static Map<String, String> props(Path model) throws Exception {
        Map<String, String> p = new LinkedHashMap<>();
        Onnx.ModelProto.parseFrom(Files.readAllBytes(model)).getMetadataPropsList().forEach(e -> p.put(e.getKey(), e.getValue()));
        return p;
    }

    @Test
    void shouldImportATorchvisionExportWithTheImagenetPresetAndProbeIt(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("m.onnx");
        // Given a raw torch.onnx export (no glimpse.* keys), When imported with the ImageNet preset and labels
        Run r = glimpse("models", "import", "--model", resource("mobilenet_v2_w010_raw.onnx").toString(), "--preset", "imagenet",
                "--labels", resource("labels.txt").toString(), "--out", out.toString());
        // Then it exits 0, prints the contract and the probe, and the written model carries the contract
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("glimpse.input.resize       256"), r.out());
        assertTrue(r.out().contains("resize shorter side to 256 (PIL bilinear, antialiased) -> center crop 224x224"), r.out());
        assertTrue(r.out().contains("probe: one forward pass on ONNX Runtime (CPU) of a mid-gray image: output [1, 10]"), r.out());
        Map<String, String> p = props(out);
        assertEquals("mobilenet_v2_w010_raw", p.get(ModelMetadataKeys.NAME), "name defaults from the file");
        assertEquals("1", p.get(ModelMetadataKeys.VERSION));
        assertEquals("shorter", p.get(ModelMetadataKeys.INPUT_RESIZE_MODE));
        assertEquals("center", p.get(ModelMetadataKeys.INPUT_CROP));
        assertEquals("[0.485,0.456,0.406]", p.get(ModelMetadataKeys.INPUT_MEAN));
        assertTrue(p.get(ModelMetadataKeys.LABELS).startsWith("[\"airplane\",\"automobile\""));
        ModelMetadata.requireContract(out);
        // the graph itself is untouched
        assertEquals(Onnx.ModelProto.parseFrom(Files.readAllBytes(resource("mobilenet_v2_w010_raw.onnx"))).getGraph(),
                Onnx.ModelProto.parseFrom(Files.readAllBytes(out)).getGraph());
    }

    @Test
    void shouldUpdateAnImportedModelKeepingWhatTheOptionsDoNotChange(@TempDir Path dir) throws Exception {
        Path first = dir.resolve("first.onnx");
        Path second = dir.resolve("second.onnx");
        assertEquals(0, glimpse("models", "import", "--model", resource("mobilenet_v2_w010_raw.onnx").toString(),
                "--preset", "imagenet", "--labels", resource("labels.txt").toString(), "--name", "byom", "--out", first.toString()).code());
        // When re-imported with only a new version and letterbox
        Run r = glimpse("models", "import", "--model", first.toString(), "--version", "2", "--resize-mode", "letterbox",
                "--out", second.toString());
        // Then labels, name, mean and std stay; the resize keys follow the new mode
        assertEquals(0, r.code(), r.err());
        Map<String, String> before = props(first);
        Map<String, String> after = props(second);
        assertEquals("2", after.get(ModelMetadataKeys.VERSION));
        assertEquals("byom", after.get(ModelMetadataKeys.NAME));
        assertEquals(before.get(ModelMetadataKeys.LABELS), after.get(ModelMetadataKeys.LABELS));
        assertEquals(before.get(ModelMetadataKeys.INPUT_STD), after.get(ModelMetadataKeys.INPUT_STD));
        assertEquals("letterbox", after.get(ModelMetadataKeys.INPUT_RESIZE_MODE));
        assertEquals("none", after.get(ModelMetadataKeys.INPUT_CROP));
        assertFalse(after.containsKey(ModelMetadataKeys.INPUT_RESIZE));
    }

    @Test
    void shouldReportEveryMistakeInOneLineWithExitCode2(@TempDir Path dir) throws Exception {
        String raw = resource("mobilenet_v2_w010_raw.onnx").toString();
        String out = dir.resolve("x.onnx").toString();
        Path twoLabels = Files.writeString(dir.resolve("two.txt"), "cat\ndog\n");
        Map<List<String>, String> mistakes = new LinkedHashMap<>();
        mistakes.put(List.of("--model", dir.resolve("missing.onnx").toString(), "--preset", "imagenet", "--out", out),
                "is not a readable file");
        mistakes.put(List.of("--model", raw, "--preset", "imagenet", "--labels", twoLabels.toString(), "--out", out),
                "has 2 labels but the model outputs 10 classes");
        mistakes.put(List.of("--model", raw, "--preset", "imagenet", "--mean", "0.5,0.5", "--out", out),
                "--mean has 2 value(s) but the rgb input has 3 channel(s)");
        mistakes.put(List.of("--model", raw, "--out", out), "pass --mean and --std");
        mistakes.put(List.of("--model", raw, "--preset", "imagenet", "--size", "200", "--out", out), "--size");
        mistakes.put(List.of("--model", raw, "--preset", "imagenet", "--colour", "gray", "--out", out), "--colour");
        mistakes.put(List.of("--model", raw, "--preset", "imagenet", "--crop", "none", "--out", out), "needs crop center");
        mistakes.put(List.of("--model", raw, "--preset", "imagenet", "--resize-mode", "fit", "--out", out), "--resize-mode");
        for (var m : mistakes.entrySet()) {
            List<String> args = new java.util.ArrayList<>(List.of("models", "import"));
            args.addAll(m.getKey());
            Run r = glimpse(args.toArray(String[]::new));
            assertEquals(2, r.code(), String.join(" ", m.getKey()) + "\n" + r.err());
            assertTrue(r.err().startsWith("models import: ") && r.err().contains(m.getValue()), r.err());
            assertEquals(1, r.err().strip().lines().count(), "one line, no stack trace: " + r.err());
        }
        assertFalse(Files.exists(dir.resolve("x.onnx")), "nothing is written when the contract does not check");
    }
}
