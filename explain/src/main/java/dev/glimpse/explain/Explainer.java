package dev.glimpse.explain;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.glimpse.engine.autodiff.ReluRule;
import dev.glimpse.engine.exec.SharedWeights;
import dev.glimpse.engine.onnx.Onnx;
import dev.glimpse.explain.faithfulness.BatchScorer;
import dev.glimpse.explain.gradient.Differentiator;
import dev.glimpse.explain.gradient.DifferentiatorFactory;
import dev.glimpse.explain.gradient.LayerGradients;
import dev.glimpse.explain.inspect.ClosestNames;
import dev.glimpse.explain.inspect.ModelShapes;
import dev.glimpse.explain.ort.DynamicBatch;
import dev.glimpse.explain.ort.ForwardSession;
import dev.glimpse.explain.ort.LargeStack;
import dev.glimpse.explain.tokens.LayoutDetection;
import dev.glimpse.explain.tokens.TokenLayout;
import dev.glimpse.explain.tokens.TransformerBlocks;
import dev.glimpse.explain.ort.LayerTail;
import dev.glimpse.runtime.DeviceUnavailableException;
import dev.glimpse.runtime.ExecutionDevice;
import dev.glimpse.runtime.SessionTuning;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * A model opened for explanation: knows its logits tensor (the input of a final Softmax, if any), the shape of
 * every tensor, the default layer, and caches ONNX Runtime sessions — forward sessions per set of extra
 * outputs and gradient sessions per (output, layer, ReLU rule) — so repeated calls pay no graph building.
 */
public final class Explainer implements AutoCloseable {

    private final Onnx.ModelProto model;
    private final DifferentiatorFactory gradients;
    private final Map<String, long[]> shapes;
    private final String input;
    private final String logits;
    private final Map<List<String>, ForwardSession> forwardSessions = new HashMap<>();
    private final Map<List<String>, Differentiator> gradientSessions = new HashMap<>();
    private final Map<List<String>, LayerGradients> layerGradientSessions = new HashMap<>();
    private final Map<String, LayerTail> tails = new HashMap<>();
    private final int maxBatch;
    /** The weights CPU forward sessions borrow: the gradient factory's when it keeps some, so both share one copy. */
    private final SharedWeights weights;
    /** How far CPU forward sessions are optimised: as the gradient factory's sessions. */
    private final OrtSession.SessionOptions.OptLevel cpuOptimisation;
    private final ExecutionDevice device;
    private final SessionTuning tuning;
    private final Map<String, TokenLayout> layouts = new HashMap<>();
    private Options tokenParameters = Options.none();
    private LayoutDetection detection;
    private String actualDevice = "cpu";

    /** Forward sessions on the CPU; gradient sessions wherever {@code gradients} opens them. */
    public Explainer(Onnx.ModelProto model, DifferentiatorFactory gradients, int maxBatch) throws OrtException {
        this(model, gradients, maxBatch, null, null);
    }

    /**
     * Forward sessions on {@code device} (null = plain CPU sessions); pass an {@code EngineDifferentiators} on the
     * same device so gradient sessions follow. With a device, the logits session opens here, so a strict
     * {@code cuda} that cannot be had fails now ({@link DeviceUnavailableException}) and
     * {@code auto} settles (see {@link #device()}).
     */
    public Explainer(Onnx.ModelProto model, DifferentiatorFactory gradients, int maxBatch, ExecutionDevice device,
                     SessionTuning tuning) throws OrtException {
        // batched methods need a symbolic batch axis; exporters often pin it to 1
        this.model = DynamicBatch.relax(model);
        this.gradients = gradients;
        this.weights = gradients != null && gradients.sharedWeights() != null ? gradients.sharedWeights() : new SharedWeights();
        this.cpuOptimisation = gradients != null ? gradients.cpuOptimisation() : OrtSession.SessionOptions.OptLevel.ALL_OPT;
        this.device = device;
        this.tuning = tuning == null ? SessionTuning.defaults() : tuning;
        // static inference, an ONNX Runtime run only when it cannot shape every node output
        this.shapes = ModelShapes.ofActivations(this.model).shapes();
        this.input = firstInput(model);
        this.logits = logitsTensor(model);
        // a graph that keeps its exported batch of 1 (torch's multi-head attention) takes one input per call
        this.maxBatch = DynamicBatch.followsBatch(this.model, logits) ? maxBatch : 1;
        if (device != null) {
            actualDevice = forwardSession(List.of(logits)).device();
        }
    }

    /** Where the forward sessions run ({@code cpu} or {@code cuda:N}); with {@code auto}, what it resolved to. */
    public String device() {
        return actualDevice;
    }

    public Onnx.ModelProto model() {
        return model;
    }

    public String inputName() {
        return input;
    }

    public String logitsName() {
        return logits;
    }

    /** Most inputs per ONNX Runtime call: the configured batch, or 1 when the graph keeps its exported batch of 1. */
    public int maxBatch() {
        return maxBatch;
    }

    /** Shape of a tensor at batch 1, or null when it is not a float tensor of the graph. */
    public long[] shape(String tensor) {
        return shapes.get(tensor);
    }

    public long[] inputShape() {
        return shapes.get(input);
    }

    /** The default layer rule, as summary.json and the worker's log name it. */
    public static final String DEFAULT_LAYER_RULE = "transformers: the input of the last block's first norm when the "
            + "head reads the class token, else the last block's output; CNNs: the last 4-D activation whose smaller "
            + "spatial side is at least min(14, ceil(input side / 4)) cells, else the last with spatial size > 1";

    /**
     * The one default layer for CAM methods and feature maps, in {@code explain}, the explain worker and the
     * console ({@link #DEFAULT_LAYER_RULE}).
     *
     * <p>Transformers (norms over the last axis of [N, T, D] tokens): when the head reads the class token, the
     * input of the last block's first norm (= the penultimate block's output; on the last block's output the patch
     * tokens' gradients are exactly zero, the final norm acting per token); when the head pools all tokens, the last
     * block's output (= the final norm's input).
     *
     * <p>CNNs: the last channels-first 4-D activation (graph order) whose smaller spatial side is at least
     * {@code min(14, ceil(s / 4))} cells, s being the input's smaller side; the last 4-D activation with
     * spatial size > 1 when none is. The conventional last layer is often too coarse to point at an object: one
     * cell of a 4×4 or 8×8 map covers 8 or 4 pixels of a 32-pixel image (the 3×3 pool of a 28-pixel Fashion-MNIST
     * model puts an ankle boot's peak in the background), and the peak of the upsampled map lands between parts of
     * the object; a quarter of the side keeps cells at most 4 input pixels wide on small images, and the cap of 14
     * keeps 224-pixel ImageNet models on a late block (14×14) rather than an early one.
     */
    public String defaultLayer() {
        String transformer = TransformerBlocks.defaultLayer(model.getGraph(), shapes);
        if (transformer != null) {
            return transformer;
        }
        long[] in = inputShape();
        String best = null;
        if (in != null && in.length == 4) {
            long side = Math.min(in[2], in[3]);
            long wanted = Math.max(2, Math.min(14, (side + 3) / 4));
            best = lastActivation(s -> Math.min(s[2], s[3]) >= wanted);
        }
        if (best == null) {
            best = lastActivation(s -> s[2] * s[3] > 1);
        }
        if (best == null) {
            throw new IllegalArgumentException("the model has no 4-D activation with spatial size > 1; pass --layer");
        }
        return best;
    }

    /** The last channels-first 4-D activation in graph order whose executed shape passes {@code test}, or null. */
    private String lastActivation(Predicate<long[]> test) {
        String best = null;
        for (Onnx.NodeProto n : model.getGraph().getNodeList()) {
            for (String o : n.getOutputList()) {
                long[] s = shapes.get(o);
                if (s != null && s.length == 4 && test.test(s) && !channelsLast(o, s)) {
                    best = o;
                }
            }
        }
        return best;
    }

    /** True when the graph shows the 4-D tensor to be [N, H, W, C] (its spatial sizes are not s[2], s[3]). */
    private boolean channelsLast(String tensor, long[] s) {
        try {
            return !layoutDetection().detect(tensor, s, inputShape(), Options.none()).isChannelsFirst();
        } catch (IllegalArgumentException undecided) {
            return false;
        }
    }

    /**
     * Checks that a layer name is a tensor of the graph that maps onto a grid (channels-first, channels-last or
     * tokens, see {@link #layout}), naming what is wrong otherwise.
     */
    public String requireLayer(String layer) {
        if (layer == null) {
            throw new IllegalArgumentException("the model has no 4-D activation with spatial size > 1; pass --layer");
        }
        long[] s = shapes.get(layer);
        if (s == null) {
            // the candidates CAM can use: the 3-D and 4-D activations
            throw new IllegalArgumentException(ClosestNames.unknownLayer(layer, shapes.entrySet().stream()
                    .filter(e -> e.getValue() != null && (e.getValue().length == 4 || e.getValue().length == 3))
                    .map(Map.Entry::getKey).toList()));
        }
        layout(layer);
        return layer;
    }

    /**
     * {@code tokens.layout} / {@code tokens.grid} overrides for the layouts of layers (--param); the graph decides
     * where they are not given.
     */
    public void useTokenParameters(Options params) {
        this.tokenParameters = params;
        layouts.clear();
    }

    /** How the layer's activation lies on a grid: channels-first, channels-last or tokens with leading ones dropped. */
    public TokenLayout layout(String layer) {
        TokenLayout l = layouts.get(layer);
        if (l == null) {
            long[] s = shapes.get(layer);
            if (s == null) {
                throw new IllegalArgumentException("no tensor '" + layer + "' in the model");
            }
            l = layoutDetection().detect(layer, s, inputShape(), tokenParameters);
            layouts.put(layer, l);
        }
        return l;
    }

    private LayoutDetection layoutDetection() {
        if (detection == null) {
            detection = new LayoutDetection(model.getGraph());
        }
        return detection;
    }

    /** The layer's activations (or their gradients) [N, ...] as [N, C, h, w] on the layer's grid. */
    private Tensor onGrid(String layer, Tensor raw) {
        if (layer == null || raw == null || !layouts.containsKey(layer)) {
            return raw;
        }
        return layouts.get(layer).toGrid(raw);
    }

    /** Forward pass returning the logits and any extra tensors, batched in chunks of maxBatch. */
    public Map<String, Tensor> forward(Tensor batch, List<String> extras) throws OrtException {
        List<String> key = new ArrayList<>();
        key.add(logits);
        key.addAll(extras);
        ForwardSession s = forwardSession(key);
        var wanted = new HashSet<>(key);
        int n = batch.dim(0);
        if (n <= maxBatch) {
            return onGrid(s.run(batch, wanted));
        }
        Map<String, List<Tensor>> parts = new HashMap<>();
        for (int start = 0; start < n; start += maxBatch) {
            Map<String, Tensor> r = s.run(Batches.range(batch, start, Math.min(n, start + maxBatch)), wanted);
            r.forEach((k, v) -> parts.computeIfAbsent(k, x -> new ArrayList<>()).add(v));
        }
        Map<String, Tensor> out = new HashMap<>();
        parts.forEach((k, v) -> out.put(k, Batches.concat(v)));
        return onGrid(out);
    }

    /** Layers with a non-channels-first layout come back on their grid, [N, C, h, w]. */
    private Map<String, Tensor> onGrid(Map<String, Tensor> outputs) {
        Map<String, Tensor> out = new LinkedHashMap<>(outputs);
        out.replaceAll(this::onGrid);
        return out;
    }

    private ForwardSession forwardSession(List<String> key) throws OrtException {
        ForwardSession s = forwardSessions.get(key);
        if (s == null) {
            s = device == null ? new ForwardSession(model, key, weights, cpuOptimisation)
                    : new ForwardSession(model, key, device, tuning);
            actualDevice = s.device();
            forwardSessions.put(List.copyOf(key), s);
        }
        return s;
    }

    /** Builds (or finds) the forward session returning the logits and {@code extras}. */
    public void prepareForward(List<String> extras) throws OrtException {
        List<String> key = new ArrayList<>();
        key.add(logits);
        key.addAll(extras);
        forwardSession(key);
    }

    /**
     * Builds every session {@code methods} need on {@code layer}, and the logits session, now.
     *
     * @return the time it took in milliseconds (0 when everything was built already)
     */
    public double prepare(List<ExplanationMethod> methods, String layer) throws OrtException {
        long start = System.nanoTime();
        prepareForward(List.of());
        for (ExplanationMethod m : methods) {
            m.prepare(this, layer);
        }
        return (System.nanoTime() - start) / 1e6;
    }

    public Tensor logits(Tensor batch) throws OrtException {
        return forward(batch, List.of()).get(logits);
    }

    /** Gradient session for d(seed . output)/d(layer, input); output defaults to the logits. */
    public Differentiator differentiator(String output, String layer, ReluRule rule) throws OrtException {
        String out = output == null ? logits : output;
        // Grad-CAM-type calls (a layer, standard rule) need no input gradient: their backward stops at the layer
        boolean inputGradient = layer == null || rule != ReluRule.STANDARD;
        List<String> key = Arrays.asList(out, layer, rule.name());
        Differentiator d = gradientSessions.get(key);
        if (d == null) {
            DifferentiatorFactory factory = Objects.requireNonNull(gradients, "no gradient engine configured");
            try {
                // session creation recurses deeply in native code for deep graphs: give it a large stack
                d = LargeStack.call(() -> factory.create(model, out, layer, rule, inputGradient));
            } catch (OrtException | RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            gradientSessions.put(key, d);
        }
        return d;
    }

    /** One fused call per chunk of maxBatch samples; results concatenated along the batch. */
    public Differentiator.Pass gradients(String output, String layer, ReluRule rule, Tensor batch, Tensor seed) throws OrtException {
        try {
            // fused backward graphs of deep models recurse deeply in native code: run on a large stack
            Differentiator.Pass p = LargeStack.call(() -> gradientsOnThisThread(output, layer, rule, batch, seed));
            return layer == null ? p : new Differentiator.Pass(p.logits(), onGrid(layer, p.activation()),
                    onGrid(layer, p.activationGradient()), p.inputGradient());
        } catch (OrtException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private Differentiator.Pass gradientsOnThisThread(String output, String layer, ReluRule rule, Tensor batch, Tensor seed)
            throws OrtException {
        Differentiator d = differentiator(output, layer, rule);
        int n = batch.dim(0);
        if (n <= maxBatch) {
            return d.run(batch, seed);
        }
        List<Differentiator.Pass> parts = new ArrayList<>();
        for (int start = 0; start < n; start += maxBatch) {
            int end = Math.min(n, start + maxBatch);
            parts.add(d.run(Batches.range(batch, start, end), Batches.range(seed, start, end)));
        }
        return new Differentiator.Pass(
                Batches.concat(parts.stream().map(Differentiator.Pass::logits).toList()),
                Batches.concatOrNull(parts.stream().map(Differentiator.Pass::activation).toList()),
                Batches.concatOrNull(parts.stream().map(Differentiator.Pass::activationGradient).toList()),
                Batches.concatOrNull(parts.stream().map(Differentiator.Pass::inputGradient).toList()));
    }

    /** The network from {@code layer} to the logits as its own session (cached per layer). */
    public LayerTail tail(String layer) throws OrtException {
        LayerTail t = tails.get(layer);
        if (t == null) {
            t = LargeStackCall.of(() -> new LayerTail(model, input, layer, logits, device, tuning));
            tails.put(layer, t);
        }
        return t;
    }

    /**
     * d(seed . logits)/d(input) and d(seed . logits)/d(T) for every tensor T of {@code layers}, one fused call per
     * chunk of maxBatch samples (the session is cached per list of layers).
     */
    public LayerGradients.Pass layerGradients(List<String> layers, Tensor batch, Tensor seed) throws OrtException {
        LayerGradients session = layerGradientSession(layers);
        int n = batch.dim(0);
        List<LayerGradients.Pass> parts = new ArrayList<>();
        for (int start = 0; start < n; start += maxBatch) {
            int end = Math.min(n, start + maxBatch);
            Tensor b = n <= maxBatch ? batch : Batches.range(batch, start, end);
            Tensor s = n <= maxBatch ? seed : Batches.range(seed, start, end);
            parts.add(LargeStackCall.of(() -> session.run(b, s)));
        }
        if (parts.size() == 1) {
            return parts.get(0);
        }
        Map<String, Tensor> grads = new LinkedHashMap<>();
        for (String l : layers) {
            grads.put(l, Batches.concat(parts.stream().map(p -> p.layerGradients().get(l)).toList()));
        }
        return new LayerGradients.Pass(Batches.concat(parts.stream().map(LayerGradients.Pass::logits).toList()),
                Batches.concat(parts.stream().map(LayerGradients.Pass::inputGradient).toList()), grads);
    }

    /** The multi-layer gradient session for {@code layers}, built on first use. */
    public LayerGradients layerGradientSession(List<String> layers) throws OrtException {
        LayerGradients g = layerGradientSessions.get(layers);
        if (g == null) {
            DifferentiatorFactory factory = Objects.requireNonNull(gradients, "no gradient engine configured");
            g = LargeStackCall.of(() -> factory.createLayerGradients(model, logits, layers));
            layerGradientSessions.put(List.copyOf(layers), g);
        }
        return g;
    }

    /** Runs ONNX Runtime work on a large stack (deep graphs recurse deeply in native code), unwrapping errors. */
    private interface LargeStackCall<T> {
        T call() throws Exception;

        static <T> T of(LargeStackCall<T> c) throws OrtException {
            try {
                return LargeStack.call(c::call);
            } catch (OrtException | RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** [n,K] one-hot seeds on class {@code target}. */
    public Tensor oneHot(int n, int target) {
        int k = numClasses();
        if (target < 0 || target >= k) {
            throw new IllegalArgumentException("--target " + target + " is outside the model's classes 0.." + (k - 1));
        }
        Tensor seed = Tensor.zeros(n, k);
        for (int i = 0; i < n; i++) {
            seed.data()[i * k + target] = 1;
        }
        return seed;
    }

    /** [n,K] seeds, row i one-hot on {@code targets[i]}: one gradient call serves a batch with mixed targets. */
    public Tensor oneHot(int[] targets) {
        int k = numClasses();
        Tensor seed = Tensor.zeros(targets.length, k);
        for (int i = 0; i < targets.length; i++) {
            if (targets[i] < 0 || targets[i] >= k) {
                throw new IllegalArgumentException("--target " + targets[i] + " is outside the model's classes 0.." + (k - 1));
            }
            seed.data()[i * k + targets[i]] = 1;
        }
        return seed;
    }

    public int numClasses() {
        long[] s = shapes.get(logits);
        return (int) s[s.length - 1];
    }

    public static float[] softmax(float[] logits, int offset, int k) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < k; i++) {
            max = Math.max(max, logits[offset + i]);
        }
        double sum = 0;
        float[] p = new float[k];
        for (int i = 0; i < k; i++) {
            p[i] = (float) Math.exp(logits[offset + i] - max);
            sum += p[i];
        }
        for (int i = 0; i < k; i++) {
            p[i] /= (float) sum;
        }
        return p;
    }

    /** Target-class probability of each input of a batch: the scorer used by faithfulness metrics. */
    public float[] targetProbabilities(Tensor batch, int target) throws OrtException {
        Tensor l = logits(batch);
        int n = l.dim(0);
        int k = l.size() / n;
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = softmax(l.data(), i * k, k)[target];
        }
        return out;
    }

    /** {@link #targetProbabilities} as the scorer of faithfulness metrics; an ONNX Runtime failure is unchecked. */
    public BatchScorer targetScorer(int target) {
        return batch -> {
            try {
                return targetProbabilities(batch, target);
            } catch (OrtException e) {
                throw new IllegalStateException("scoring for faithfulness failed: " + e.getMessage(), e);
            }
        };
    }

    private static String firstInput(Onnx.ModelProto model) {
        var inits = new HashSet<String>();
        model.getGraph().getInitializerList().forEach(t -> inits.add(t.getName()));
        return model.getGraph().getInputList().stream().map(Onnx.ValueInfoProto::getName)
                .filter(n -> !inits.contains(n)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("the model has no input besides initializers"));
    }

    /** The model's first output, or the input of the Softmax/LogSoftmax that produces it (Grad-CAM needs logits). */
    static String logitsTensor(Onnx.ModelProto model) {
        String out = model.getGraph().getOutput(0).getName();
        for (Onnx.NodeProto n : model.getGraph().getNodeList()) {
            if (n.getOutputCount() > 0 && n.getOutput(0).equals(out)
                    && (n.getOpType().equals("Softmax") || n.getOpType().equals("LogSoftmax"))) {
                return n.getInput(0);
            }
        }
        return out;
    }

    @Override
    public void close() throws OrtException {
        OrtException first = null;
        for (ForwardSession s : forwardSessions.values()) {
            try {
                s.close();
            } catch (OrtException e) {
                first = first == null ? e : first;
            }
        }
        for (Differentiator d : gradientSessions.values()) {
            try {
                d.close();
            } catch (OrtException e) {
                first = first == null ? e : first;
            }
        }
        for (LayerGradients g : layerGradientSessions.values()) {
            try {
                g.close();
            } catch (OrtException e) {
                first = first == null ? e : first;
            }
        }
        for (LayerTail t : tails.values()) {
            try {
                t.close();
            } catch (OrtException e) {
                first = first == null ? e : first;
            }
        }
        forwardSessions.clear();
        gradientSessions.clear();
        layerGradientSessions.clear();
        tails.clear();
        if (first != null) {
            throw first;
        }
    }
}
