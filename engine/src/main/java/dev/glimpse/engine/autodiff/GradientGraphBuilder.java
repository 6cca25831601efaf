package dev.glimpse.engine.autodiff;

import dev.glimpse.engine.graph.Attributes;
import dev.glimpse.engine.graph.Canonicalization;
import dev.glimpse.engine.graph.OnnxModel;
import dev.glimpse.engine.graph.ShapeInference;
import dev.glimpse.engine.graph.Tensors;
import dev.glimpse.engine.onnx.Onnx.GraphProto;
import dev.glimpse.engine.onnx.Onnx.ModelProto;
import dev.glimpse.engine.onnx.Onnx.NodeProto;
import dev.glimpse.engine.onnx.Onnx.TensorProto;
import dev.glimpse.engine.onnx.Onnx.ValueInfoProto;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Builds reverse-mode gradient graphs in ONNX: the forward graph plus backward nodes, so that one ONNX Runtime run
 * returns outputs, activations and gradients.
 *
 * <pre>{@code
 * GradientGraph g = GradientGraphBuilder.forModel(model)
 *         .differentiate("logits")          // seed input "grad_seed:logits", same shape as logits
 *         .wrt("input", "layer4_out")       // outputs "grad:input", "grad:layer4_out"
 *         .keepActivations("layer4_out")
 *         .reluRule(ReluRule.GUIDED)
 *         .build();
 * }</pre>
 *
 * The result computes d(Σ_t Σ seed_t · t)/d(w) for every wrt tensor w: a one-hot seed on the target class gives
 * the gradient of that logit per batch item, and the same cached session serves any class and any batch size.
 */
public final class GradientGraphBuilder {

    private static final long BATCH_A = 1;
    private static final long BATCH_B = 3;

    private final OnnxModel model;
    private final Map<String, long[]> inputShapes = new HashMap<>();
    private final Set<String> targets = new LinkedHashSet<>();
    private final Set<String> wrt = new LinkedHashSet<>();
    private final Set<String> activations = new LinkedHashSet<>();
    private final List<String> trainable = new ArrayList<>();
    private ReluRule reluRule = ReluRule.STANDARD;
    private boolean staticShapes;
    private GradientRules rules = GradientRules.standard();

    private GradientGraphBuilder(OnnxModel model) {
        this.model = model;
    }

    public static GradientGraphBuilder forModel(OnnxModel model) {
        return new GradientGraphBuilder(model);
    }

    /**
     * Sets the shape of a graph input (dimension 0 is the batch and stays dynamic); needed when the model declares
     * symbolic spatial dimensions.
     */
    public GradientGraphBuilder inputShape(String input, long... shape) {
        inputShapes.put(input, shape.clone());
        return this;
    }

    /**
     * Differentiates {@code tensor} (any tensor of the graph, e.g. the logits or a loss). A seed input named
     * {@link GradientGraph#seedName} with the tensor's shape is added; a rank-0 tensor (a scalar loss) gets seed 1
     * and no input. Several calls differentiate the sum of the seeded tensors.
     */
    public GradientGraphBuilder differentiate(String tensor) {
        targets.add(tensor);
        return this;
    }

    /** Tensors to get gradients for: a graph input, any activation, or an initializer. */
    public GradientGraphBuilder wrt(String... tensors) {
        wrt.addAll(List.of(tensors));
        return this;
    }

    public GradientGraphBuilder wrt(Collection<String> tensors) {
        wrt.addAll(tensors);
        return this;
    }

    /** Forward tensors to output as well (e.g. the Grad-CAM layer's activation). */
    public GradientGraphBuilder keepActivations(String... tensors) {
        activations.addAll(List.of(tensors));
        return this;
    }

    public GradientGraphBuilder reluRule(ReluRule rule) {
        this.reluRule = rule;
        return this;
    }

    /**
     * Turns these initializers into graph inputs (without default values: every run feeds them, starting from
     * {@code GradientSession.initialValues}), so that training can feed updated weights to one session without
     * rebuilding it.
     */
    public GradientGraphBuilder trainableAsInputs(Collection<String> initializerNames) {
        for (String n : initializerNames) {
            if (!model.isInitializer(n)) {
                throw new IllegalArgumentException("trainable '" + n + "' is not an initializer of the model");
            }
            if (!trainable.contains(n)) {
                trainable.add(n);
            }
        }
        return this;
    }

    /**
     * Treats every input shape as fixed (no dynamic batch dimension): for models whose dimension 0 is not a batch,
     * e.g. operator test models. The session then only accepts the declared (or given) shapes.
     */
    public GradientGraphBuilder staticShapes() {
        this.staticShapes = true;
        return this;
    }

    /** Uses another rule registry (e.g. with an extra custom rule). */
    public GradientGraphBuilder rules(GradientRules rules) {
        this.rules = rules;
        return this;
    }

    /**
     * Builds the combined graph.
     *
     * @throws UnsupportedOperatorException naming every operator on the differentiated path without a rule
     * @throws IllegalArgumentException     for unknown tensor names or missing shapes
     */
    public GradientGraph build() {
        if (targets.isEmpty()) {
            throw new IllegalArgumentException("nothing to differentiate: call differentiate(tensor)");
        }
        // trainables become real inputs during analysis so that nothing depending on them is folded away
        OnnxModel work = trainable.isEmpty() ? model : moveToInputs(model, trainable);
        // requested activations are made outputs first, so that folding (e.g. Identity removal) keeps their names
        Set<String> produced = new HashSet<>();
        work.nodes().forEach(n -> produced.addAll(n.getOutputList()));
        List<String> pinned = concat(targets, wrt, activations).stream().filter(produced::contains).distinct().toList();
        if (!pinned.isEmpty()) {
            work = work.withExtraOutputs(pinned);
        }
        Map<String, long[]> given = new HashMap<>(inputShapes);
        for (String t : trainable) {
            given.put(t, model.initializerDims(t));
        }
        Map<String, long[]> resolved = Canonicalization.resolvedInputShapes(work, given);
        // trainables have no batch dimension: keep their shapes fixed by analysing with a leading 1 only for data inputs
        Set<String> fixedInputs = new HashSet<>(trainable);
        if (staticShapes) {
            fixedInputs.addAll(resolved.keySet());
        }
        OnnxModel canon = Canonicalization.apply(work, resolved, fixedInputs);
        if (!trainable.isEmpty()) {
            canon = restoreTrainableInputs(canon, trainable, model);
        }
        Set<String> batchInputs = staticShapes ? Set.of() : Canonicalization.batchInputs(work);
        List<String> fixed = resolved.keySet().stream().filter(n -> !batchInputs.contains(n)).toList();
        ShapeInference.Result a = ShapeInference.infer(canon, withBatch(resolved, BATCH_A, fixed));
        ShapeInference.Result b = ShapeInference.infer(canon, withBatch(resolved, BATCH_B, fixed));

        Set<String> known = canon.tensorNames();
        for (String t : concat(targets, wrt, activations)) {
            if (!known.contains(t)) {
                throw new IllegalArgumentException("model has no tensor named '" + t + "'"
                        + (model.tensorNames().contains(t) ? " after constant folding (it is a constant)" : ""));
            }
        }
        List<NodeProto> nodes = canon.nodes();
        // requiresGrad: reachable from a wrt tensor; contributes: a target is reachable from it
        Set<String> requiresGrad = new HashSet<>(wrt);
        for (NodeProto n : nodes) {
            if (n.getInputList().stream().anyMatch(requiresGrad::contains)) {
                // integer outputs (Shape, ArgMax, MaxPool indices) carry no gradient
                n.getOutputList().stream().filter(o -> !o.isEmpty() && isFloatType(a.elementType(o)))
                        .forEach(requiresGrad::add);
            }
        }
        Set<String> contributes = new HashSet<>(targets);
        List<NodeProto> active = new ArrayList<>();
        for (int i = nodes.size() - 1; i >= 0; i--) {
            NodeProto n = nodes.get(i);
            boolean feedsTarget = n.getOutputList().stream().anyMatch(contributes::contains);
            boolean fromWrt = n.getInputList().stream().anyMatch(requiresGrad::contains);
            if (feedsTarget && fromWrt) {
                active.add(n);
                n.getInputList().stream().filter(requiresGrad::contains).forEach(contributes::add);
            }
        }
        // active is in reverse topological order

        Backward bw = new Backward(canon.opsetVersion(), a, b, reluRule);
        Set<String> unsupported = new TreeSet<>();
        for (NodeProto n : active) {
            GradientRule r = n.getDomain().isEmpty() || n.getDomain().equals("ai.onnx")
                    ? rules.find(n.getOpType()).orElse(null) : null;
            if (r == null) {
                unsupported.add(n.getDomain().isEmpty() ? n.getOpType() : n.getDomain() + "::" + n.getOpType());
                continue;
            }
            bw.bind(n, new String[0], new boolean[0], (x, y) -> { });
            String why = r.unsupportedReason(bw);
            if (why != null) {
                unsupported.add(n.getOpType() + " (" + why + ")");
            }
        }
        if (!unsupported.isEmpty()) {
            throw new UnsupportedOperatorException(unsupported);
        }

        Map<String, List<String>> contributions = new HashMap<>();
        Map<String, String> seeds = new LinkedHashMap<>();
        List<ValueInfoProto> seedInfos = new ArrayList<>();
        List<TensorProto> seedConsts = new ArrayList<>();
        for (String t : targets) {
            long[] s = staticShape(a, b, t);
            if (s.length == 0) {
                String one = "grad_seed_one:" + t;
                seedConsts.add(Tensors.scalar(one, 1f));
                contributions.computeIfAbsent(t, k -> new ArrayList<>()).add(one);
            } else {
                String seed = GradientGraph.seedName(t);
                seeds.put(t, seed);
                seedInfos.add(OnnxModel.valueInfo(seed, TensorProto.DataType.FLOAT_VALUE, s));
                contributions.computeIfAbsent(t, k -> new ArrayList<>()).add(seed);
            }
        }
        for (NodeProto n : active) {
            String[] gradOuts = new String[n.getOutputCount()];
            boolean any = false;
            for (int k = 0; k < gradOuts.length; k++) {
                gradOuts[k] = total(bw, contributions, n.getOutput(k));
                any |= gradOuts[k] != null;
            }
            if (!any) {
                continue;
            }
            boolean[] needs = new boolean[n.getInputCount()];
            for (int i = 0; i < needs.length; i++) {
                needs[i] = !n.getInput(i).isEmpty() && requiresGrad.contains(n.getInput(i))
                        && contributes.contains(n.getInput(i));
            }
            bw.bind(n, gradOuts, needs, (tensor, g) -> contributions.computeIfAbsent(tensor, k -> new ArrayList<>()).add(g));
            rules.find(n.getOpType()).orElseThrow().backward(bw);
        }

        Map<String, String> gradOutputs = new LinkedHashMap<>();
        List<NodeProto> finals = new ArrayList<>();
        for (String w : wrt) {
            String g = total(bw, contributions, w);
            if (g == null) {
                g = bw.zerosLike(w);
            }
            String out = GradientGraph.gradName(w);
            finals.add(Attributes.node("Identity", "grad_out/" + w, new String[] {g}, new String[] {out}));
            gradOutputs.put(w, out);
        }

        GraphProto.Builder gb = canon.graph().toBuilder();
        gb.addAllNode(bw.emittedNodes()).addAllNode(finals);
        gb.addAllInitializer(bw.emittedInitializers()).addAllInitializer(seedConsts);
        gb.addAllInput(seedInfos);
        Set<String> outNames = new HashSet<>(canon.outputNames());
        List<String> extra = new ArrayList<>();
        for (String t : concat(targets, activations)) {
            if (outNames.add(t)) {
                gb.addOutput(OnnxModel.valueInfo(t, a.elementType(t), null));
                extra.add(t);
            }
        }
        for (String out : gradOutputs.values()) {
            gb.addOutput(OnnxModel.valueInfo(out, TensorProto.DataType.FLOAT_VALUE, null));
        }
        ModelProto mp = canon.proto().toBuilder().setGraph(gb).build();

        Map<String, long[]> shapes = new LinkedHashMap<>();
        for (String name : a.shapes().keySet()) {
            if (b.find(name).isPresent()) {
                shapes.put(name, staticShape(a, b, name));
            }
        }
        List<String> forwardInputs = canon.inputNames().stream().filter(n -> !trainable.contains(n)).toList();
        return new GradientGraph(OnnxModel.of(mp), forwardInputs, seeds, List.copyOf(trainable), model.outputNames(),
                List.copyOf(targets), List.copyOf(activations), gradOutputs, shapes);
    }

    /** Sum of the contributions to a tensor's gradient (emitting Sum when there are several), or null. */
    private static String total(Backward bw, Map<String, List<String>> contributions, String tensor) {
        List<String> c = contributions.get(tensor);
        if (c == null || c.isEmpty()) {
            return null;
        }
        if (c.size() == 1) {
            return c.get(0);
        }
        String sum = bw.op("Sum", List.copyOf(c));
        c.clear();
        c.add(sum);
        return sum;
    }

    private static boolean isFloatType(int t) {
        return t == TensorProto.DataType.FLOAT_VALUE || t == TensorProto.DataType.DOUBLE_VALUE
                || t == TensorProto.DataType.FLOAT16_VALUE;
    }

    private static long[] staticShape(ShapeInference.Result a, ShapeInference.Result b, String t) {
        long[] x = a.shape(t);
        long[] y = b.shape(t);
        long[] s = x.clone();
        for (int i = 0; i < s.length; i++) {
            if (x[i] != y[i]) {
                s[i] = -1;
            }
        }
        return s;
    }

    private static Map<String, long[]> withBatch(Map<String, long[]> shapes, long batch, List<String> fixed) {
        Map<String, long[]> out = new HashMap<>();
        shapes.forEach((k, v) -> {
            long[] d = v.clone();
            if (d.length > 0 && !fixed.contains(k)) {
                d[0] = batch;
            }
            out.put(k, d);
        });
        return out;
    }

    private static OnnxModel moveToInputs(OnnxModel m, List<String> names) {
        GraphProto.Builder g = m.graph().toBuilder().clearInitializer();
        for (TensorProto t : m.graph().getInitializerList()) {
            if (!names.contains(t.getName())) {
                g.addInitializer(t);
            }
        }
        Set<String> declared = new HashSet<>();
        m.graph().getInputList().forEach(v -> declared.add(v.getName()));
        for (String n : names) {
            if (!declared.contains(n)) {
                TensorProto t = m.initializer(n).orElseThrow();
                g.addInput(OnnxModel.valueInfo(n, t.getDataType(), Tensors.dims(t)));
            }
        }
        return OnnxModel.of(m.proto().toBuilder().setGraph(g).build());
    }

    /**
     * After canonicalisation, trainables get back their fixed shapes. They stay plain inputs without default values:
     * ONNX Runtime's Java binding cannot feed initializers that are also inputs.
     */
    private static OnnxModel restoreTrainableInputs(OnnxModel canon, List<String> names, OnnxModel original) {
        GraphProto.Builder g = canon.graph().toBuilder().clearInput();
        for (ValueInfoProto v : canon.graph().getInputList()) {
            if (names.contains(v.getName())) {
                TensorProto t = original.initializer(v.getName()).orElseThrow();
                g.addInput(OnnxModel.valueInfo(v.getName(), t.getDataType(), Tensors.dims(t)));
            } else {
                g.addInput(v);
            }
        }
        return OnnxModel.of(canon.proto().toBuilder().setGraph(g).build());
    }

    @SafeVarargs
    private static List<String> concat(Collection<String>... cs) {
        List<String> out = new ArrayList<>();
        for (Collection<String> c : cs) {
            out.addAll(c);
        }
        return out;
    }
}
