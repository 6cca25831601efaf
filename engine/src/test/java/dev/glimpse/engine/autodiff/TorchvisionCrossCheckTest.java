package dev.glimpse.engine.autodiff;

import dev.glimpse.engine.Npy;
import dev.glimpse.engine.exec.GradientSession;
import dev.glimpse.engine.exec.Tensor;
import dev.glimpse.engine.graph.OnnxModel;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Input gradients (and guided-backprop gradients) of torchvision classifiers exported by torch.onnx, against
 * PyTorch autograd. Dev-time: needs the files written by engine/tools/torchvision_reference.py in GLIMPSE_TV_DIR.
 */
class TorchvisionCrossCheckTest {

    /** Models whose every ReLU is an nn.ReLU module, so the Python guided reference is complete. */
    private static final Set<String> GUIDED_COMPLETE = Set.of("resnet18", "vgg11_bn", "squeezenet1_0", "alexnet",
            "shufflenet_v2_x0_5");

    static double cosine(float[] a, float[] b) {
        double ab = 0;
        double aa = 0;
        double bb = 0;
        for (int i = 0; i < a.length; i++) {
            ab += (double) a[i] * b[i];
            aa += (double) a[i] * a[i];
            bb += (double) b[i] * b[i];
        }
        return aa == 0 && bb == 0 ? 1 : ab / (Math.sqrt(aa) * Math.sqrt(bb));
    }

    @Test
    void shouldEqualPytorchAutogradOnTorchvisionExports() throws Exception {
        String dir = System.getenv("GLIMPSE_TV_DIR");
        Assumptions.assumeTrue(dir != null && Files.isDirectory(Path.of(dir)),
                "set GLIMPSE_TV_DIR to the output of engine/tools/torchvision_reference.py (dev-time cross-check)");
        List<String> report = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        try (var files = Files.list(Path.of(dir))) {
            for (Path p : files.filter(f -> f.toString().endsWith(".onnx")).sorted().toList()) {
                String file = p.getFileName().toString();
                String name = file.substring(0, file.lastIndexOf("_op"));
                Tensor x = Npy.read(Path.of(dir, name + "_input.npy"));
                Tensor ref = Npy.read(Path.of(dir, name + "_grad.npy"));
                long[] target = Npy.read(Path.of(dir, name + "_target.npy")).longs();
                OnnxModel model = OnnxModel.load(p);
                for (ReluRule rule : new ReluRule[] {ReluRule.STANDARD, ReluRule.GUIDED}) {
                    if (rule == ReluRule.GUIDED && !GUIDED_COMPLETE.contains(name)) {
                        continue;
                    }
                    Tensor expected = rule == ReluRule.STANDARD ? ref : Npy.read(Path.of(dir, name + "_guided.npy"));
                    long t0 = System.nanoTime();
                    GradientGraph g = GradientGraphBuilder.forModel(model).differentiate("logits").wrt("input").reluRule(rule).build();
                    long t1 = System.nanoTime();
                    try (GradientSession s = GradientSession.open(g)) {
                        long t2 = System.nanoTime();
                        int classes = (int) g.shape("logits")[1];
                        float[] seed = new float[(int) x.shape()[0] * classes];
                        for (int n = 0; n < target.length; n++) {
                            seed[n * classes + (int) target[n]] = 1f;
                        }
                        Map<String, Tensor> r = s.run(Map.of("input", x, g.seedOf("logits"), Tensor.of(seed, x.shape()[0], classes)));
                        long t3 = System.nanoTime();
                        double cos = cosine(expected.floats(), r.get(g.gradientOf("input")).floats());
                        String line = String.format("%-28s %-9s cos %.6f  build %4d ms  session %5d ms  run %5d ms", file, rule, cos,
                                (t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000, (t3 - t2) / 1_000_000);
                        report.add(line);
                        if (!(cos >= 0.999)) {
                            failures.add(line);
                        }
                    }
                }
            }
        }
        report.forEach(System.out::println);
        assertTrue(failures.isEmpty(), "below cosine 0.999:\n" + String.join("\n", failures));
    }
}
