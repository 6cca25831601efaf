package dev.glimpse.explain.ort;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.glimpse.engine.onnx.Onnx;
import dev.glimpse.explain.Tensor;
import dev.glimpse.runtime.ExecutionDevice;
import dev.glimpse.runtime.OrtSessions;
import dev.glimpse.runtime.PlacedSession;
import dev.glimpse.runtime.SessionTuning;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The part of a model between a layer and the logits, as its own ONNX Runtime session: the layer's activation is
 * a graph input, so a batch of modified activations (AblationCAM's ablated channels) runs the rest of the network
 * in one call. When a path to the logits bypasses the layer (a skip connection from before it), the model's input
 * stays an input of the tail as well and is fed alongside.
 */
public final class LayerTail implements AutoCloseable {

    private final OrtEnvironment env = OrtEnvironment.getEnvironment();
    private final OrtSession session;
    private final AutoCloseable owner;
    private final String layer;
    private final String input;
    private final String logits;
    private final boolean needsInput;

    /**
     * @param model  a model with a symbolic batch axis ({@link DynamicBatch})
     * @param input  the model's (non-initializer) input
     * @param device null = a plain CPU session
     */
    public LayerTail(Onnx.ModelProto model, String input, String layer, String logits, ExecutionDevice device,
                     SessionTuning tuning) throws OrtException {
        this.layer = layer;
        this.input = input;
        this.logits = logits;
        Onnx.ModelProto tail = tailModel(model, input, layer, logits);
        this.needsInput = tail.getGraph().getInputList().stream().anyMatch(v -> v.getName().equals(input));
        if (device == null) {
            try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
                options.setIntraOpNumThreads(Math.max(1, Runtime.getRuntime().availableProcessors()));
                this.session = env.createSession(tail.toByteArray(), options);
            }
            this.owner = session;
        } else {
            PlacedSession placed = OrtSessions.open(tail.toByteArray(), device, tuning);
            this.session = placed.session();
            this.owner = placed;
        }
    }

    /** Whether a path from the input to the logits bypasses the layer, so that the input must be fed too. */
    public boolean needsInput() {
        return needsInput;
    }

    /**
     * The nodes between {@code layer} and {@code logits} (graph order), with the layer as an input of rank 4 and a
     * symbolic batch; the model's input stays an input only when some needed node reads it without passing
     * through the layer.
     */
    static Onnx.ModelProto tailModel(Onnx.ModelProto model, String input, String layer, String logits) {
        Onnx.GraphProto g = model.getGraph();
        Map<String, Integer> producer = new HashMap<>();
        for (int i = 0; i < g.getNodeCount(); i++) {
            for (String o : g.getNode(i).getOutputList()) {
                producer.put(o, i);
            }
        }
        if (!producer.containsKey(layer)) {
            throw new IllegalArgumentException("layer '" + layer + "' is not produced by a node of the graph");
        }
        Set<Integer> needed = new HashSet<>();
        Set<String> reached = new HashSet<>();
        Deque<String> todo = new ArrayDeque<>(List.of(logits));
        boolean layerReached = false;
        while (!todo.isEmpty()) {
            String t = todo.pop();
            if (t.isEmpty() || !reached.add(t)) {
                continue;
            }
            if (t.equals(layer)) {
                layerReached = true;
                continue;
            }
            Integer p = producer.get(t);
            if (p != null && needed.add(p)) {
                todo.addAll(g.getNode(p).getInputList());
            }
        }
        if (!layerReached) {
            throw new IllegalArgumentException("the logits '" + logits + "' do not depend on layer '" + layer + "'");
        }
        Onnx.GraphProto.Builder b = Onnx.GraphProto.newBuilder().setName(g.getName() + "-tail");
        Onnx.ValueInfoProto.Builder layerInput = Onnx.ValueInfoProto.newBuilder().setName(layer);
        var shape = layerInput.getTypeBuilder().getTensorTypeBuilder()
                .setElemType(Onnx.TensorProto.DataType.FLOAT_VALUE).getShapeBuilder();
        shape.addDim(Onnx.TensorShapeProto.Dimension.newBuilder().setDimParam("N"));
        for (int i = 1; i < 4; i++) {
            shape.addDim(Onnx.TensorShapeProto.Dimension.newBuilder().setDimParam("d" + i));
        }
        b.addInput(layerInput);
        if (reached.contains(input)) {
            g.getInputList().stream().filter(v -> v.getName().equals(input)).findFirst().ifPresent(b::addInput);
        }
        for (int i = 0; i < g.getNodeCount(); i++) {
            if (needed.contains(i)) {
                b.addNode(g.getNode(i));
            }
        }
        for (Onnx.TensorProto t : g.getInitializerList()) {
            if (reached.contains(t.getName())) {
                b.addInitializer(t);
            }
        }
        b.addOutput(Onnx.ValueInfoProto.newBuilder().setName(logits).setType(Onnx.TypeProto.newBuilder()
                .setTensorType(Onnx.TypeProto.Tensor.newBuilder().setElemType(Onnx.TensorProto.DataType.FLOAT_VALUE))));
        return model.toBuilder().setGraph(b).build();
    }

    /**
     * Logits of the network continued from {@code activations} [N,C,h,w]; {@code inputs} [N,...] (the model input
     * each activation came from) is read only when {@link #needsInput()}.
     */
    public Tensor run(Tensor activations, Tensor inputs) throws OrtException {
        Map<String, OnnxTensor> feeds = new LinkedHashMap<>();
        List<OnnxTensor> open = new ArrayList<>();
        try {
            OnnxTensor a = tensor(activations);
            open.add(a);
            feeds.put(layer, a);
            if (needsInput) {
                OnnxTensor x = tensor(inputs);
                open.add(x);
                feeds.put(input, x);
            }
            try (OrtSession.Result r = session.run(feeds, Set.of(logits))) {
                return OrtTensors.toTensor((OnnxTensor) r.get(0));
            }
        } finally {
            for (OnnxTensor t : open) {
                t.close();
            }
        }
    }

    private OnnxTensor tensor(Tensor t) throws OrtException {
        return OrtTensors.toOnnx(env, t);
    }

    @Override
    public void close() throws OrtException {
        try {
            owner.close();
        } catch (OrtException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
