package dev.glimpse.training.imported;

import dev.glimpse.training.TrainingSessionOptions;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.glimpse.engine.autodiff.GradientGraph;
import dev.glimpse.engine.autodiff.GradientGraphBuilder;
import dev.glimpse.engine.autodiff.LossBuilder;
import dev.glimpse.engine.autodiff.UnsupportedOperatorException;
import dev.glimpse.engine.graph.Attributes;
import dev.glimpse.engine.graph.OnnxModel;
import dev.glimpse.engine.graph.Tensors;
import dev.glimpse.engine.onnx.Onnx.GraphProto;
import dev.glimpse.engine.onnx.Onnx.ModelProto;
import dev.glimpse.engine.onnx.Onnx.NodeProto;
import dev.glimpse.engine.onnx.Onnx.TensorProto;
import dev.glimpse.training.Evaluation;
import dev.glimpse.training.Evaluator;
import dev.glimpse.training.Examples;
import dev.glimpse.training.TrainableModel;
import dev.glimpse.training.TrainingConfig;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * An imported ONNX classifier under training, through the engine's autodiff on the graph itself: the training
 * step is the plan's graph in inference form (BatchNormalization with its frozen running statistics, Dropout as
 * Identity), the engine's softmax cross-entropy on the head's logits, and the engine's backward pass w.r.t. the
 * trainable initializers, which are fed on every step. Nothing else of the graph is rewritten, and
 * {@link #trainedModel()} is the plan's model with only the trainable initializers' values replaced.
 */
public final class ImportedGraphTraining implements TrainableModel {

    static final String TARGET = "glimpse.finetune.target";
    static final String LOSS = "glimpse.finetune.loss";

    private final OrtEnvironment env = OrtEnvironment.getEnvironment();
    private final FineTunePlan plan;
    private final int threads;
    private final int[] sampleShape;
    private final String input;
    private final Map<String, float[]> weights = new LinkedHashMap<>();
    private final Map<String, long[]> dims = new HashMap<>();
    private final GradientGraph graph;
    private final OrtSession session;
    private final Set<String> outputs = new LinkedHashSet<>();
    private final long weightCount;

    public ImportedGraphTraining(FineTunePlan plan, TrainingConfig config) throws OrtException {
        this.plan = plan;
        this.threads = config.threads();
        this.sampleShape = plan.parent().sampleShape();
        this.input = plan.parent().inputName();
        OnnxModel model = OnnxModel.of(plan.model());
        long count = 0;
        for (TensorProto t : plan.model().getGraph().getInitializerList()) {
            if (t.getDataType() == TensorProto.DataType.FLOAT_VALUE) {
                count += Tensors.size(Tensors.dims(t));
            }
        }
        this.weightCount = count;
        for (String w : plan.trainable()) {
            weights.put(w, model.initializerFloats(w));
            dims.put(w, model.initializerDims(w));
        }
        OnnxModel withLoss = LossBuilder.softmaxCrossEntropy(plan.head().logits()).oneHotLabels(TARGET).lossName(LOSS)
                .appendTo(OnnxModel.of(inferenceForm(plan.model(), plan.head().logits())));
        try {
            this.graph = GradientGraphBuilder.forModel(withLoss)
                    .inputShape(input, 1, sampleShape[0], sampleShape[1], sampleShape[2])
                    .differentiate(LOSS)
                    .wrt(plan.trainable())
                    .trainableAsInputs(plan.trainable())
                    .build();
        } catch (UnsupportedOperatorException e) {
            throw new IllegalArgumentException("cannot train " + String.join(", ", plan.layers()) + ": " + e.getMessage()
                    + "; train fewer layers (--unfreeze-last)");
        }
        try (OrtSession.SessionOptions opts = TrainingSessionOptions.of(threads)) {
            this.session = env.createSession(graph.model().toBytes(), opts);
        }
        outputs.add(LOSS);
        outputs.add(plan.head().logits());
        plan.trainable().forEach(w -> outputs.add(graph.gradientOf(w)));
    }

    /**
     * The graph as trained: BatchNormalization forced to inference form (its running statistics are constants),
     * Dropout replaced by Identity, the logits the only output. The model written at the end is not this one.
     */
    static ModelProto inferenceForm(ModelProto model, String logits) {
        GraphProto.Builder g = model.getGraph().toBuilder();
        for (int i = 0; i < g.getNodeCount(); i++) {
            NodeProto n = g.getNode(i);
            if (n.getOpType().equals("Dropout")) {
                g.setNode(i, NodeProto.newBuilder().setOpType("Identity").setName(n.getName())
                        .addInput(n.getInput(0)).addOutput(n.getOutput(0)));
            } else if (n.getOpType().equals("BatchNormalization") && Attributes.has(n, "training_mode")) {
                g.setNode(i, Attributes.without(n, "training_mode"));
            }
        }
        Set<String> produced = new LinkedHashSet<>();
        g.getNodeList().forEach(n -> produced.addAll(n.getOutputList()));
        for (NodeProto n : g.getNodeList()) {
            for (String in : n.getInputList()) {
                if (!in.isEmpty() && !produced.contains(in) && !isInputOrInitializer(g, in)) {
                    throw new IllegalArgumentException("node " + GraphIndex.nodeLabel(n) + " reads '" + in
                            + "', which only a Dropout mask would have produced");
                }
            }
        }
        g.clearOutput().addOutput(OnnxModel.valueInfo(logits, TensorProto.DataType.FLOAT_VALUE, null));
        g.clearValueInfo();
        return model.toBuilder().setGraph(g).build();
    }

    private static boolean isInputOrInitializer(GraphProto.Builder g, String name) {
        return g.getInputList().stream().anyMatch(v -> v.getName().equals(name))
                || g.getInitializerList().stream().anyMatch(t -> t.getName().equals(name));
    }

    @Override
    public String describe() {
        return String.format(Locale.ROOT, "%s (%,d weights; trainable: %s; batch norm frozen)",
                plan.parent().contract().name(), weightCount, String.join(", ", plan.layers()));
    }

    @Override
    public int numClasses() {
        return plan.classes();
    }

    @Override
    public int[] sampleShape() {
        return sampleShape.clone();
    }

    @Override
    public List<String> trainable() {
        return plan.trainable();
    }

    @Override
    public float[] weights(String name) {
        float[] w = weights.get(name);
        if (w == null) {
            throw new IllegalArgumentException("'" + name + "' is not trainable; trainable: " + weights.keySet());
        }
        return w;
    }

    @Override
    public int rank(String name) {
        return dims.get(name).length;
    }

    @Override
    public StepResult step(float[] x, int n, float[] target, SplittableRandom rng) throws OrtException {
        Map<String, OnnxTensor> feed = new HashMap<>();
        try {
            int per = sampleShape[0] * sampleShape[1] * sampleShape[2];
            feed.put(input, OnnxTensor.createTensor(env, FloatBuffer.wrap(x, 0, n * per),
                    new long[] {n, sampleShape[0], sampleShape[1], sampleShape[2]}));
            feed.put(TARGET, OnnxTensor.createTensor(env, FloatBuffer.wrap(target, 0, n * plan.classes()),
                    new long[] {n, plan.classes()}));
            for (Map.Entry<String, float[]> w : weights.entrySet()) {
                feed.put(w.getKey(), OnnxTensor.createTensor(env, FloatBuffer.wrap(w.getValue()), dims.get(w.getKey())));
            }
            try (OrtSession.Result r = session.run(feed, outputs)) {
                float loss = floats(r, LOSS)[0];
                Map<String, float[]> grads = new HashMap<>();
                for (String w : plan.trainable()) {
                    grads.put(w, floats(r, graph.gradientOf(w)));
                }
                return new StepResult(loss, floats(r, plan.head().logits()), grads);
            }
        } finally {
            for (OnnxTensor t : feed.values()) {
                t.close();
            }
        }
    }

    /** The plan's model with the current values of the trainable initializers; everything else untouched. */
    public ModelProto trainedModel() {
        GraphProto.Builder g = plan.model().getGraph().toBuilder();
        for (int i = 0; i < g.getInitializerCount(); i++) {
            TensorProto t = g.getInitializer(i);
            float[] w = weights.get(t.getName());
            if (w != null) {
                g.setInitializer(i, ImportedClassifier.floatTensor(t.getName(), t.getDimsList(), w));
            }
        }
        return plan.model().toBuilder().setGraph(g).build();
    }

    @Override
    public Evaluation evaluate(Examples data, List<String> classNames) throws OrtException {
        List<String> names = new ArrayList<>(classNames);
        while (names.size() < plan.classes()) {
            names.add(Integer.toString(names.size()));
        }
        try (OrtSession s = Evaluator.session(trainedModel().toByteArray(), threads)) {
            return Evaluator.evaluate(s, data, names, 32);
        }
    }

    private static float[] floats(OrtSession.Result r, String name) throws OrtException {
        FloatBuffer b = ((OnnxTensor) r.get(name).orElseThrow(() -> new IllegalStateException("no output " + name)))
                .getFloatBuffer();
        float[] out = new float[b.remaining()];
        b.get(out);
        return out;
    }

    @Override
    public void close() throws OrtException {
        session.close();
    }
}
