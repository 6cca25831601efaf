package dev.glimpse.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.onnxruntime.OrtException;
import dev.glimpse.training.graph.NetworkGraphs;
import dev.glimpse.training.graph.NetworkGraphs.BatchNormMode;
import dev.glimpse.training.model.Architectures;
import dev.glimpse.training.model.Network;
import dev.glimpse.training.model.ParamTensor;
import dev.glimpse.training.model.Parameters;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole training step of the real architectures against PyTorch autograd (training/src/test/python/
 * torch_gradients.py): same weights, same batch, batch norm on batch statistics; loss and every weight gradient
 * must agree. Skipped where /usr/bin/python3 has no torch.
 */
class GradientTorchCrossCheckTest {

    private static final String PYTHON = "/usr/bin/python3";

    @TempDir
    Path dir;

    @Test
    void shouldMatchPyTorchAutogradOnTheSmallSeedAndGapNetworks() throws Exception {
        assumeTrue(hasTorch(), PYTHON + " with torch and onnx is not available (Debian python3-torch)");
        for (String arch : new String[]{Architectures.SMALL, Architectures.SEED, Architectures.GAP}) {
            compare(arch);
        }
    }

    private void compare(String arch) throws OrtException, IOException, InterruptedException {
        Network net = Architectures.create(arch, 1, 28, 28, 10);
        Parameters p = Parameters.initialize(net, 5);
        Path d = Files.createDirectories(dir.resolve(arch));
        Files.write(d.resolve("model.onnx"), NetworkGraphs.inference(net, p,
                Map.of(TrainingMetadataKeys.ARCHITECTURE, net.spec())).toByteArray());
        int n = 16;
        Random r = new Random(3);
        float[] x = new float[n * 28 * 28];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
        }
        float[] target = new float[n * 10];
        StringBuilder labels = new StringBuilder();
        for (int i = 0; i < n; i++) {
            int y = r.nextInt(10);
            target[i * 10 + y] = 1f;
            labels.append(y).append(' ');
        }
        ByteBuffer bytes = ByteBuffer.allocate(x.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asFloatBuffer().put(x);
        Files.write(d.resolve("x.bin"), bytes.array());
        Files.writeString(d.resolve("y.txt"), labels.toString());
        Process py = new ProcessBuilder(PYTHON, Path.of("src/test/python/torch_gradients.py").toAbsolutePath().toString(),
                d.toString()).redirectErrorStream(true).start();
        String output = new String(py.getInputStream().readAllBytes());
        assertTrue(py.waitFor(120, TimeUnit.SECONDS) && py.exitValue() == 0, "torch script failed: " + output);

        Set<String> trainable = new LinkedHashSet<>();
        p.weights().forEach(t -> trainable.add(t.name()));
        try (TrainingStep step = new TrainingStep(net, p, trainable, BatchNormMode.TRAIN, 1)) {
            Map<String, float[]> masks = new HashMap<>();
            step.graph().dropoutMasks().forEach((name, shape) -> {
                float[] ones = new float[n * Arrays.stream(shape).reduce(1, (a, b) -> a * b)];
                Arrays.fill(ones, 1f);
                masks.put(name, ones);
            });
            TrainingStep.Result res = step.run(x, n, target, masks, p);
            double torchLoss = Double.parseDouble(Files.readString(d.resolve("torch_loss.txt")).trim());
            assertEquals(torchLoss, res.loss(), 1e-4 * Math.max(1, torchLoss), arch + " loss");
            for (ParamTensor w : p.weights()) {
                byte[] raw = Files.readAllBytes(d.resolve("torch_grad." + w.name() + ".bin"));
                float[] expected = new float[raw.length / 4];
                ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(expected);
                float[] actual = res.gradients().get(w.name());
                assertEquals(expected.length, actual.length, w.name());
                double maxAbs = 0;
                double maxErr = 0;
                for (int i = 0; i < expected.length; i++) {
                    maxAbs = Math.max(maxAbs, Math.abs(expected[i]));
                    maxErr = Math.max(maxErr, Math.abs(expected[i] - actual[i]));
                }
                assertTrue(maxErr <= 1e-4 * Math.max(maxAbs, 1e-3), arch + " " + w.name() + ": max |torch - onnx| = "
                        + maxErr + " with max |grad| = " + maxAbs);
            }
        }
    }

    private static boolean hasTorch() {
        if (!Files.isExecutable(Path.of(PYTHON))) {
            return false;
        }
        try {
            Process p = new ProcessBuilder(PYTHON, "-c", "import torch, onnx").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }
}
