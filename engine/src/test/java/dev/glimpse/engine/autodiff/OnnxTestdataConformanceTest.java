package dev.glimpse.engine.autodiff;

import dev.glimpse.engine.exec.GradientSession;
import dev.glimpse.engine.exec.Tensor;
import dev.glimpse.engine.graph.OnnxModel;
import dev.glimpse.engine.graph.Tensors;
import dev.glimpse.engine.onnx.Onnx.TensorProto;
import dev.glimpse.engine.onnx.Onnx.ValueInfoProto;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * ONNX's own operator test models (Debian libonnx-testdata: pytorch-converted/ and node/): every model whose
 * operators all have gradient rules is turned into a gradient graph; its forward outputs must equal the shipped
 * outputs, and its input gradients must match central finite differences on a few elements.
 */
class OnnxTestdataConformanceTest {

    private static final Path ROOT = Path.of("/usr/share/libonnx-testdata/data");
    private static final long BUDGET_NANOS = 60_000_000_000L;

    @Test
    void shouldReproduceShippedOutputsAndFiniteDifferencesOnSupportedTestModels() throws Exception {
        Assumptions.assumeTrue(Files.isDirectory(ROOT.resolve("node")) || Files.isDirectory(ROOT.resolve("pytorch-converted")),
                "Debian package libonnx-testdata is not installed (" + ROOT + " absent)");
        List<Path> dirs = new ArrayList<>();
        for (String suite : new String[] {"pytorch-converted", "node"}) {
            Path d = ROOT.resolve(suite);
            if (Files.isDirectory(d)) {
                try (var s = Files.list(d)) {
                    s.filter(p -> Files.exists(p.resolve("model.onnx")) && Files.isDirectory(p.resolve("test_data_set_0")))
                            .sorted().forEach(dirs::add);
                }
            }
        }
        long start = System.nanoTime();
        int checked = 0;
        Map<String, Integer> skipped = new TreeMap<>();
        List<String> failures = new ArrayList<>();
        for (Path dir : dirs) {
            if (System.nanoTime() - start > BUDGET_NANOS) {
                skipped.merge("time budget reached", 1, Integer::sum);
                continue;
            }
            String why = checkOne(dir, failures);
            if (why == null) {
                checked++;
            } else {
                skipped.merge(why, 1, Integer::sum);
            }
        }
        System.out.println("libonnx-testdata: " + checked + " models checked, skipped " + skipped);
        assertTrue(checked > 20, "too few supported test models checked: " + checked + ", skipped " + skipped);
        assertTrue(failures.isEmpty(), failures.size() + " failures:\n" + String.join("\n", failures));
    }

    /** Null when checked; otherwise the reason for skipping. Failures are appended. */
    private static String checkOne(Path dir, List<String> failures) {
        String name = dir.getParent().getFileName() + "/" + dir.getFileName();
        OnnxModel model;
        Map<String, Tensor> feeds = new LinkedHashMap<>();
        List<Tensor> expected = new ArrayList<>();
        try {
            model = OnnxModel.load(dir.resolve("model.onnx"));
            List<ValueInfoProto> inputs = model.inputs();
            for (int i = 0; i < inputs.size(); i++) {
                Path pb = dir.resolve("test_data_set_0/input_" + i + ".pb");
                if (!Files.exists(pb)) {
                    return "missing input data";
                }
                Tensor t = toTensor(TensorProto.parseFrom(Files.readAllBytes(pb)));
                if (t == null) {
                    return "non-float/int64 input";
                }
                feeds.put(inputs.get(i).getName(), t);
            }
            for (int i = 0; i < model.outputs().size(); i++) {
                Tensor t = toTensor(TensorProto.parseFrom(Files.readAllBytes(dir.resolve("test_data_set_0/output_" + i + ".pb"))));
                if (t == null || !t.isFloat()) {
                    return "non-float output";
                }
                expected.add(t);
            }
        } catch (Exception e) {
            if (System.getenv("CONFORMANCE_DEBUG") != null) {
                System.out.println(name + ": " + e);
            }
            return "unreadable (" + e.getClass().getSimpleName() + ")";
        }
        if (model.nodes().stream().anyMatch(n -> !n.getDomain().isEmpty())) {
            return "non-default domain";
        }
        List<String> wrt = feeds.entrySet().stream().filter(e -> e.getValue().isFloat() && e.getValue().size() > 0)
                .map(Map.Entry::getKey).toList();
        if (wrt.isEmpty()) {
            return "no float input";
        }
        String output = model.outputNames().get(0);
        GradientGraphBuilder builder = GradientGraphBuilder.forModel(model).differentiate(output).wrt(wrt.toArray(String[]::new))
                .staticShapes();
        feeds.forEach((k, v) -> builder.inputShape(k, v.shape()));
        GradientGraph g;
        try {
            g = builder.build();
        } catch (UnsupportedOperatorException e) {
            return "unsupported operator";
        } catch (RuntimeException e) {
            if (System.getenv("CONFORMANCE_DEBUG") != null) {
                System.out.println(name + ": " + e);
            }
            return "not analysable (" + e.getClass().getSimpleName() + ")";
        }
        try (GradientSession s = GradientSession.open(g); GradientSession f = forwardSession(model, feeds)) {
            Random random = new Random(dir.getFileName().toString().hashCode());
            Map<String, Tensor> all = new HashMap<>(feeds);
            Tensor seed = null;
            if (g.seedInputs().containsKey(output)) {
                float[] sd = new float[expected.get(0).size()];
                for (int i = 0; i < sd.length; i++) {
                    sd[i] = (float) random.nextGaussian();
                }
                seed = Tensor.of(sd, expected.get(0).shape());
                all.put(g.seedOf(output), seed);
            }
            Map<String, Tensor> r = s.run(all);
            for (int i = 0; i < expected.size(); i++) {
                String o = model.outputNames().get(i);
                if (!close(expected.get(i).floats(), r.get(o).floats(), 1e-3)) {
                    failures.add(name + ": forward output " + o + " differs from the shipped output");
                    return null;
                }
            }
            for (String w : wrt) {
                float[] grad = r.get(g.gradientOf(w)).floats();
                Tensor x = feeds.get(w);
                double scale = 1e-3;
                for (float v : grad) {
                    if (Float.isFinite(v)) {
                        scale = Math.max(scale, Math.abs(v));
                    }
                }
                for (int k = 0; k < Math.min(6, x.size()); k++) {
                    int i = random.nextInt(x.size());
                    double a = grad[i];
                    boolean ok = false;
                    double fd = 0;
                    for (double eps : new double[] {1e-2, 1e-3}) {
                        // central, then one-sided differences: at a kink (ReLU at 0, ties) the rule returns one side
                        double[] d = finiteDifferences(f, feeds, w, i, eps, output, seed);
                        fd = d[0];
                        if (Double.isNaN(d[0])) {
                            ok = true;
                            break;
                        }
                        for (double v : d) {
                            if (Math.abs(a - v) <= 2e-2 * scale + 3e-2 * Math.abs(v)) {
                                ok = true;
                            }
                        }
                        if (ok) {
                            break;
                        }
                    }
                    if (!ok) {
                        failures.add(name + ": d/d " + w + "[" + i + "] analytic " + a + " vs finite difference " + fd);
                        return null;
                    }
                }
            }
        } catch (Exception e) {
            failures.add(name + ": " + e.getMessage());
        }
        return null;
    }

    /**
     * Opens the forward model; models of opsets ONNX Runtime no longer runs (below 7) are run in their canonical
     * (upgraded) form instead, which the shipped outputs check independently through the gradient graph.
     */
    private static GradientSession forwardSession(OnnxModel model, Map<String, Tensor> feeds) throws Exception {
        try {
            return GradientSession.open(model);
        } catch (ai.onnxruntime.OrtException e) {
            Map<String, long[]> shapes = new HashMap<>();
            feeds.forEach((k, v) -> shapes.put(k, v.shape()));
            return GradientSession.open(dev.glimpse.engine.graph.Canonicalization.apply(model, shapes, shapes.keySet()));
        }
    }

    /** {central, forward, backward} differences of Σ seed·output w.r.t. element i of w. */
    private static double[] finiteDifferences(GradientSession f, Map<String, Tensor> feeds, String w, int i, double eps,
                                              String output, Tensor seed) throws Exception {
        double[] l = new double[3];
        for (int side = 0; side < 3; side++) {
            float[] d = feeds.get(w).floats().clone();
            d[i] += (float) (side == 0 ? eps : side == 1 ? -eps : 0);
            Map<String, Tensor> in = new HashMap<>(feeds);
            in.put(w, Tensor.of(d, feeds.get(w).shape()));
            float[] y = f.run(in, List.of(output)).get(output).floats();
            for (int k = 0; k < y.length; k++) {
                l[side] += (double) y[k] * (seed == null ? 1 : seed.floats()[k]);
            }
        }
        return new double[] {(l[0] - l[1]) / (2 * eps), (l[0] - l[2]) / eps, (l[2] - l[1]) / eps};
    }

    private static boolean close(float[] a, float[] b, double tol) {
        if (a.length != b.length) {
            return false;
        }
        for (int i = 0; i < a.length; i++) {
            if (Math.abs(a[i] - b[i]) > tol * Math.max(1, Math.abs(a[i])) && !(Float.isNaN(a[i]) && Float.isNaN(b[i]))) {
                return false;
            }
        }
        return true;
    }

    private static Tensor toTensor(TensorProto t) {
        long[] dims = Tensors.dims(t);
        if (t.getDataType() == TensorProto.DataType.FLOAT_VALUE) {
            return Tensor.of(Tensors.toFloats(t), dims);
        }
        if (t.getDataType() == TensorProto.DataType.INT64_VALUE) {
            return Tensor.ofLongs(Tensors.toLongs(t), dims);
        }
        return null;
    }
}
