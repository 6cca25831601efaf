package dev.glimpse.explain.methods;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.glimpse.engine.onnx.Onnx;
import dev.glimpse.explain.Explainer;
import dev.glimpse.explain.Explanation;
import dev.glimpse.explain.ExplanationMethod;
import dev.glimpse.explain.Options;
import dev.glimpse.explain.Tensor;
import dev.glimpse.explain.faithfulness.NoisyLinearImputation;
import dev.glimpse.explain.faithfulness.Road;
import dev.glimpse.explain.gradient.EngineDifferentiators;
import dev.glimpse.explain.io.Npy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * AblationCAM, EigenGradCAM, FullGrad and ROAD against PyTorch / numpy references computed by
 * explain/src/test/python/cam_methods_reference.py on a small seeded CNN whose first layer is bypassed by a skip
 * connection (so AblationCAM's tail must also be fed the input). Skipped where /usr/bin/python3 has no torch.
 */
class TorchReferenceMethodsTest {

    private static final String PYTHON = "/usr/bin/python3";

    @TempDir
    static Path dir;
    private static Explainer explainer;
    private static Tensor input;
    private static int target;
    private static String l1;
    private static String l2;

    @BeforeAll
    static void computeReferences() throws Exception {
        assumeTrue(hasTorch(), PYTHON + " with torch and onnx is not available (Debian python3-torch)");
        Process py = new ProcessBuilder(PYTHON, Path.of("src/test/python/cam_methods_reference.py").toAbsolutePath().toString(),
                dir.toString()).redirectErrorStream(true).start();
        String output = new String(py.getInputStream().readAllBytes());
        assertTrue(py.waitFor(180, TimeUnit.SECONDS) && py.exitValue() == 0, "reference script failed: " + output);
        JsonNode meta = new ObjectMapper().readTree(dir.resolve("meta.json").toFile());
        target = meta.get("target").asInt();
        l1 = meta.get("L1").asText();
        l2 = meta.get("L2").asText();
        input = Npy.read(dir.resolve("input.npy"));
        explainer = new Explainer(Onnx.ModelProto.parseFrom(Files.readAllBytes(dir.resolve("model.onnx"))),
                new EngineDifferentiators(), 64);
    }

    @AfterAll
    static void close() throws Exception {
        if (explainer != null) {
            explainer.close();
        }
    }

    private static boolean hasTorch() {
        try {
            Process p = new ProcessBuilder(PYTHON, "-c", "import torch, onnx").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (Exception e) {
            return false;
        }
    }

    private static Explanation run(ExplanationMethod m, String layer) throws Exception {
        return m.explain(explainer, new ExplanationMethod.Request(input, target, layer, Options.none()));
    }

    private static void assertClose(Tensor expected, Tensor actual, double tolerance) {
        assertArrayEquals(expected.shape(), actual.shape(), "shape");
        double scale = Math.max(1e-6, Math.max(Math.abs(expected.max()), Math.abs(expected.min())));
        assertTrue(expected.max() > 0, "the reference map is not all zero (the comparison would say little)");
        for (int i = 0; i < expected.size(); i++) {
            assertEquals(expected.data()[i], actual.data()[i], tolerance * scale, "element " + i);
        }
    }

    @Test
    void shouldMatchTorchAblationCamWhenTheTailNeedsTheInputAndWhenItDoesNot() throws Exception {
        // Given the first ReLU (a skip connection from the input bypasses it) and the last one (only pool + fc follow)
        assertTrue(explainer.tail(l1).needsInput(), "the skip connection reads the input past L1");
        assertFalse(explainer.tail(l2).needsInput(), "pool and fc read nothing but L2");
        // Then each channel's ablation re-run through the tail gives torch's weights and map
        assertClose(Npy.read(dir.resolve("ablationcam_L1.npy")), run(new AblationCam(), l1).raw(), 1e-4);
        assertClose(Npy.read(dir.resolve("ablationcam_L2.npy")), run(new AblationCam(), l2).raw(), 1e-4);
        // and chunks of 4 ablations per call give the same map as one call for all
        Tensor chunked = new AblationCam().explain(explainer, new ExplanationMethod.Request(input, target, l1,
                new Options(Map.of("ablationcam.batch", "4")))).raw();
        assertClose(Npy.read(dir.resolve("ablationcam_L1.npy")), chunked, 1e-4);
    }

    @Test
    void shouldMatchNumpySvdForEigenGradCam() throws Exception {
        assertClose(Npy.read(dir.resolve("eigengradcam_L2.npy")), run(new EigenGradCam(), l2).raw(), 1e-4);
    }

    @Test
    void shouldMatchTorchFullGradOverEveryBiasLayer() throws Exception {
        Explanation e = run(new FullGrad(), null);
        assertEquals(2, e.details().get("biasLayers"), "conv1 (bn1 folded in by the export) and conv2 have biases");
        assertClose(Npy.read(dir.resolve("fullgrad.npy")), e.raw(), 1e-4);
    }

    @Test
    void shouldMatchNumpyRoadImputationAndTorchProbabilitiesWithoutNoise() throws Exception {
        Tensor map = Npy.read(dir.resolve("road_map.npy"));
        Tensor x = input.dropBatch();
        Road.Result r = new Road(explainer.targetScorer(target), 4, new int[] {20, 50, 80}, 0, 1).of(x, map);
        assertArrayEquals(Npy.read(dir.resolve("road_morf.npy")).data(), r.morf(), 1e-5f);
        assertArrayEquals(Npy.read(dir.resolve("road_lerf.npy")).data(), r.lerf(), 1e-5f);
        // the imputed images themselves, for MoRF at 80 %: the 115 highest-ranked pixels
        Tensor images = Npy.read(dir.resolve("road_morf_images.npy"));
        boolean[] removed = new boolean[144];
        Integer[] order = new Integer[144];
        for (int i = 0; i < 144; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Float.compare(map.data()[b], map.data()[a]));
        for (int i = 0; i < 115; i++) {
            removed[order[i]] = true;
        }
        Tensor imputed = new NoisyLinearImputation(0).impute(x, removed, new Random(1));
        float[] expected = Arrays.copyOfRange(images.data(), 2 * 3 * 144, 3 * 3 * 144);
        assertArrayEquals(expected, imputed.data(), 1e-4f);
    }
}
