package dev.glimpse.engine.autodiff;

import dev.glimpse.engine.exec.GradientSession;
import dev.glimpse.engine.exec.Tensor;
import dev.glimpse.engine.graph.OnnxModel;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The shared central finite-difference check: builds the gradient graph of {@code model} for L = Σ seed·output
 * (random seed), runs it in ONNX Runtime, and compares each requested gradient with (L(x+ε) − L(x−ε)) / 2ε computed
 * by running the forward model in ONNX Runtime.
 */
public final class GradientCheck {

    private final OnnxModel model;
    private final Map<String, Tensor> inputs = new LinkedHashMap<>();
    private final List<String> wrt = new ArrayList<>();
    private String output;
    private double eps = 1e-2;
    private double rtol = 2e-2;
    private double atolFraction = 2e-3;
    private int maxElements = 48;
    private ReluRule reluRule = ReluRule.STANDARD;
    private boolean canonicalForward;
    private final Random random = new Random(42);

    private GradientCheck(OnnxModel model) {
        this.model = model;
        this.output = model.outputNames().get(0);
    }

    /** Seeded normal(0, 0.5²) values. */
    public static float[] randn(int n, long seed) {
        Random r = new Random(seed);
        float[] f = new float[n];
        for (int i = 0; i < n; i++) {
            f[i] = (float) (r.nextGaussian() * 0.5);
        }
        return f;
    }

    public static GradientCheck of(OnnxModel model) {
        return new GradientCheck(model);
    }

    /** Feeds {@code name} with normal(0,1) values of the given shape. */
    public GradientCheck randomInput(String name, long... shape) {
        int n = (int) dev.glimpse.engine.graph.Tensors.size(shape);
        float[] d = new float[n];
        for (int i = 0; i < n; i++) {
            d[i] = (float) random.nextGaussian();
        }
        inputs.put(name, Tensor.of(d, shape));
        return this;
    }

    /** Feeds values kept at least {@code margin} away from {@code kinks} (so finite differences do not straddle one). */
    public GradientCheck randomInputAwayFrom(String name, float margin, float[] kinks, long... shape) {
        randomInput(name, shape);
        float[] d = inputs.get(name).floats();
        for (int i = 0; i < d.length; i++) {
            for (float k : kinks) {
                if (Math.abs(d[i] - k) < margin) {
                    d[i] = k + (d[i] >= k ? margin : -margin) * (1 + random.nextFloat());
                }
            }
        }
        return this;
    }

    public GradientCheck input(String name, Tensor t) {
        inputs.put(name, t);
        return this;
    }

    public GradientCheck output(String name) {
        this.output = name;
        return this;
    }

    public GradientCheck wrt(String... names) {
        wrt.addAll(List.of(names));
        return this;
    }

    public GradientCheck eps(double e) {
        this.eps = e;
        return this;
    }

    public GradientCheck tolerance(double relative, double absoluteFractionOfMax) {
        this.rtol = relative;
        this.atolFraction = absoluteFractionOfMax;
        return this;
    }

    public GradientCheck maxElements(int n) {
        this.maxElements = n;
        return this;
    }

    /** Runs the finite differences on the canonical model (symbolic batch), for models exported with a fixed batch. */
    public GradientCheck canonicalForward() {
        this.canonicalForward = true;
        return this;
    }

    public GradientCheck reluRule(ReluRule r) {
        this.reluRule = r;
        return this;
    }

    /** Runs the check; returns the analytic gradients by wrt name. */
    public Map<String, Tensor> verify() throws Exception {
        GradientGraph graph = GradientGraphBuilder.forModel(model).differentiate(output).wrt(wrt.toArray(String[]::new))
                .reluRule(reluRule).build();
        Map<String, Tensor> feeds = new HashMap<>(inputs);
        Tensor seed;
        Map<String, Tensor> analytic = new LinkedHashMap<>();
        Tensor forwardOut;
        try (GradientSession s = GradientSession.open(graph)) {
            List<String> outs = new ArrayList<>(graph.gradientOutputs().values());
            outs.add(output);
            // the seed needs the output's shape: run the forward model first
            try (GradientSession fwd = GradientSession.open(canonicalForward
                    ? dev.glimpse.engine.graph.Canonicalization.apply(model, Map.of()) : model)) {
                forwardOut = fwd.run(inputs, List.of(output)).get(output);
            }
            if (graph.seedInputs().containsKey(output)) {
                float[] sd = new float[forwardOut.size()];
                for (int i = 0; i < sd.length; i++) {
                    sd[i] = (float) random.nextGaussian();
                }
                seed = Tensor.of(sd, forwardOut.shape());
                feeds.put(graph.seedOf(output), seed);
            } else {
                seed = Tensor.of(new float[] {1f}, forwardOut.shape());
            }
            Map<String, Tensor> r = s.run(feeds, outs);
            for (String w : wrt) {
                analytic.put(w, r.get(graph.gradientOf(w)));
            }
            assertArrayClose(forwardOut.floats(), r.get(output).floats(), 1e-5, "forward output of the gradient graph");
        }
        OnnxModel fwdModel = canonicalForward ? dev.glimpse.engine.graph.Canonicalization.apply(model, Map.of()) : model;
        List<String> weights = wrt.stream().filter(fwdModel::isInitializer).toList();
        OnnxModel forward = weights.isEmpty() ? fwdModel : fwdModel.withInitializersAsInputs(weights);
        Map<String, Tensor> base = new HashMap<>(inputs);
        for (String w : weights) {
            base.put(w, Tensor.of(fwdModel.initializerFloats(w), fwdModel.initializerDims(w)));
        }
        // intermediate activations: cut the graph there, making the activation an input fed with its forward value
        List<String> activations = wrt.stream().filter(w -> !base.containsKey(w)).toList();
        if (!activations.isEmpty()) {
            try (GradientSession probe = GradientSession.open(forward.withExtraOutputs(activations))) {
                Map<String, Tensor> values = probe.run(base, activations);
                base.putAll(values);
            }
        }
        for (String w : wrt) {
          try (GradientSession f = GradientSession.open(activations.contains(w) ? cutAt(forward, List.of(w)) : forward)) {
            {
                Tensor x = base.get(w);
                Tensor g = analytic.get(w);
                assertTrue(java.util.Arrays.equals(x.shape(), g.shape()), "gradient of " + w + " has shape "
                        + java.util.Arrays.toString(g.shape()) + ", expected " + java.util.Arrays.toString(x.shape()));
                double maxAbs = 0;
                for (float v : g.floats()) {
                    maxAbs = Math.max(maxAbs, Math.abs(v));
                }
                double atol = Math.max(1e-4, atolFraction * maxAbs);
                int n = x.size();
                List<Integer> idx = new ArrayList<>();
                if (n <= maxElements) {
                    for (int i = 0; i < n; i++) {
                        idx.add(i);
                    }
                } else {
                    Random pick = new Random(7);
                    for (int i = 0; i < maxElements; i++) {
                        idx.add(pick.nextInt(n));
                    }
                }
                for (int i : idx) {
                    float[] plus = x.floats().clone();
                    plus[i] += (float) eps;
                    float[] minus = x.floats().clone();
                    minus[i] -= (float) eps;
                    double lp = loss(f, base, w, Tensor.of(plus, x.shape()), seed);
                    double lm = loss(f, base, w, Tensor.of(minus, x.shape()), seed);
                    double numeric = (lp - lm) / (2 * eps);
                    double a = g.floats()[i];
                    double tol = atol + rtol * Math.max(Math.abs(a), Math.abs(numeric));
                    if (Math.abs(a - numeric) > tol) {
                        // a kink (ReLU at 0, max-pool tie) inside [x-eps, x+eps]: the rule must then equal one side
                        double l0 = loss(f, base, w, x, seed);
                        double right = (lp - l0) / eps;
                        double left = (l0 - lm) / eps;
                        boolean oneSided = Math.abs(a - right) <= atol + rtol * Math.abs(right)
                                || Math.abs(a - left) <= atol + rtol * Math.abs(left);
                        assertTrue(oneSided, "d/d " + w + "[" + i + "]: analytic " + a + " vs finite difference "
                                + numeric + " (one-sided " + left + ", " + right + "; tol " + tol + ")");
                    }
                }
            }
          }
        }
        return analytic;
    }

    /** The model with each named activation's producer removed and the activation made a graph input. */
    private static OnnxModel cutAt(OnnxModel m, List<String> activations) {
        dev.glimpse.engine.onnx.Onnx.GraphProto.Builder g = m.graph().toBuilder().clearNode();
        for (dev.glimpse.engine.onnx.Onnx.NodeProto n : m.nodes()) {
            if (n.getOutputList().stream().noneMatch(activations::contains)) {
                g.addNode(n);
            }
        }
        for (String a : activations) {
            g.addInput(OnnxModel.valueInfo(a, dev.glimpse.engine.onnx.Onnx.TensorProto.DataType.FLOAT_VALUE, null));
        }
        return OnnxModel.of(m.proto().toBuilder().setGraph(g).build());
    }

    private double loss(GradientSession f, Map<String, Tensor> base, String w, Tensor value, Tensor seed) throws Exception {
        Map<String, Tensor> feeds = new HashMap<>(base);
        feeds.put(w, value);
        feeds.keySet().retainAll(f.inputNames());
        Tensor y = f.run(feeds, List.of(output)).get(output);
        double l = 0;
        for (int i = 0; i < y.size(); i++) {
            l += (double) y.floats()[i] * seed.floats()[i];
        }
        return l;
    }

    static void assertArrayClose(float[] expected, float[] actual, double tol, String what) {
        assertEquals(expected.length, actual.length, what + " length");
        for (int i = 0; i < expected.length; i++) {
            double t = tol * Math.max(1, Math.abs(expected[i]));
            assertTrue(Math.abs(expected[i] - actual[i]) <= t, what + "[" + i + "]: " + expected[i] + " vs " + actual[i]);
        }
    }
}
