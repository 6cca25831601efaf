package dev.glimpse.explain.ort;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.glimpse.engine.exec.SessionFactory;
import dev.glimpse.engine.exec.SharedWeights;
import dev.glimpse.engine.onnx.Onnx;
import dev.glimpse.explain.Tensor;
import dev.glimpse.runtime.DeviceUnavailableException;
import dev.glimpse.runtime.ExecutionDevice;
import dev.glimpse.runtime.OrtSessions;
import dev.glimpse.runtime.PlacedSession;
import dev.glimpse.runtime.SessionTuning;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An ONNX Runtime session of the forward model that also returns chosen intermediate tensors (added as
 * graph outputs): feature maps, Score-CAM activations, and shapes for inspect. One session per set of extra
 * outputs; reuse it across calls.
 */
public final class ForwardSession implements AutoCloseable {

    private final OrtEnvironment env = OrtEnvironment.getEnvironment();
    private final OrtSession session;
    private final AutoCloseable owner;
    private final String device;
    private final String inputName;
    private final List<String> outputs;
    /** Element types of the outputs, read from ONNX Runtime once (each read lists every output, natively). */
    private volatile Map<String, OnnxJavaType> outputTypes;

    public ForwardSession(Onnx.ModelProto model, List<String> extraOutputs) throws OrtException {
        Onnx.ModelProto withOutputs = withExtraOutputs(model, extraOutputs);
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(Math.max(1, Runtime.getRuntime().availableProcessors()));
            this.session = env.createSession(withOutputs.toByteArray(), options);
        }
        this.owner = session;
        this.device = "cpu";
        this.inputName = firstNonInitializerInput(model);
        this.outputs = new ArrayList<>(session.getOutputNames());
    }

    /**
     * A CPU session optimised up to {@code level}, whose large weights are lent by {@code weights} (shared with the
     * model's other sessions).
     */
    public ForwardSession(Onnx.ModelProto model, List<String> extraOutputs, SharedWeights weights,
                          OrtSession.SessionOptions.OptLevel level) throws OrtException {
        SessionFactory.LentSession lent = SessionFactory.open(withExtraOutputs(model, extraOutputs), level,
                Math.max(1, Runtime.getRuntime().availableProcessors()), weights);
        this.session = lent.session();
        this.owner = lent;
        this.device = "cpu";
        try {
            this.inputName = firstNonInitializerInput(model);
            this.outputs = new ArrayList<>(session.getOutputNames());
        } catch (OrtException | RuntimeException e) {
            lent.close();
            throw e;
        }
    }

    /**
     * A session on {@code requested} through the runtime module: {@code cuda:N} is strict (throws
     * {@link DeviceUnavailableException}), {@code auto} falls back to the CPU with a WARN line.
     */
    public ForwardSession(Onnx.ModelProto model, List<String> extraOutputs, ExecutionDevice requested, SessionTuning tuning)
            throws OrtException {
        PlacedSession placed = OrtSessions.open(withExtraOutputs(model, extraOutputs).toByteArray(), requested, tuning);
        this.session = placed.session();
        this.owner = placed;
        this.device = placed.device().toString();
        this.inputName = firstNonInitializerInput(model);
        this.outputs = new ArrayList<>(session.getOutputNames());
    }

    private String firstNonInitializerInput(Onnx.ModelProto model) throws OrtException {
        Set<String> inits = new HashSet<>();
        model.getGraph().getInitializerList().forEach(t -> inits.add(t.getName()));
        return session.getInputNames().stream().filter(n -> !inits.contains(n)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("model has no non-initializer input"));
    }

    /** Where the session runs: {@code cpu} or {@code cuda:N}. */
    public String device() {
        return device;
    }

    /**
     * A copy of the model whose graph also outputs the given tensors. The extra outputs are declared without a
     * type: ONNX Runtime's type inference gives each its real element type (int64 for Shape/Gather chains, bool
     * for masks), where declaring them float made session creation fail on any graph with live shape arithmetic.
     */
    public static Onnx.ModelProto withExtraOutputs(Onnx.ModelProto model, List<String> extra) {
        Set<String> existing = new HashSet<>();
        model.getGraph().getOutputList().forEach(o -> existing.add(o.getName()));
        Onnx.GraphProto.Builder g = model.getGraph().toBuilder();
        for (String name : extra) {
            if (existing.add(name)) {
                g.addOutput(Onnx.ValueInfoProto.newBuilder().setName(name));
            }
        }
        return model.toBuilder().setGraph(g).build();
    }

    /** Element type of an output as ONNX Runtime inferred it (FLOAT, INT64, BOOL, ...). */
    public OnnxJavaType outputType(String name) throws OrtException {
        Map<String, OnnxJavaType> known = outputTypes;
        if (known == null) {
            // one native call for all outputs: asking per output made ExecutedShapes quadratic in the node count
            // (minutes for swin_t's ~3000 node outputs)
            Map<String, OnnxJavaType> types = new HashMap<>();
            for (Map.Entry<String, NodeInfo> e : session.getOutputInfo().entrySet()) {
                types.put(e.getKey(), e.getValue().getInfo() instanceof TensorInfo t ? t.type : OnnxJavaType.UNKNOWN);
            }
            outputTypes = types;
            known = types;
        }
        OnnxJavaType type = known.get(name);
        if (type == null) {
            throw new IllegalArgumentException("the session has no output '" + name + "'");
        }
        return type;
    }

    public String inputName() {
        return inputName;
    }

    public List<String> outputNames() {
        return outputs;
    }

    /** Shape the session declares for its input (-1 where symbolic). */
    public long[] inputShape() throws OrtException {
        return ((TensorInfo) session.getInputInfo().get(inputName).getInfo()).getShape();
    }

    /**
     * Runs a batch [N,...] and returns every float or int64 output (model outputs first, then the extras) as float
     * tensors; outputs of other element types (bool masks, int32 indices) are left out.
     */
    public Map<String, Tensor> run(Tensor batch) throws OrtException {
        Set<String> convertible = new HashSet<>();
        for (String o : outputs) {
            OnnxJavaType t = outputType(o);
            if (t == OnnxJavaType.FLOAT || t == OnnxJavaType.INT64) {
                convertible.add(o);
            }
        }
        return run(batch, convertible);
    }

    public Map<String, Tensor> run(Tensor batch, Set<String> wanted) throws OrtException {
        Map<String, Tensor> out = new LinkedHashMap<>();
        try (OnnxTensor x = createInput(batch);
             OrtSession.Result r = session.run(Map.of(inputName, x), wanted)) {
            for (Map.Entry<String, OnnxValue> e : r) {
                out.put(e.getKey(), OrtTensors.toTensor((OnnxTensor) e.getValue()));
            }
        }
        return out;
    }

    /** Runs a batch and returns the shape of every tensor output, whatever its element type. */
    public Map<String, long[]> runShapes(Tensor batch) throws OrtException {
        Map<String, long[]> out = new LinkedHashMap<>();
        try (OnnxTensor x = createInput(batch);
             OrtSession.Result r = session.run(Map.of(inputName, x))) {
            for (Map.Entry<String, OnnxValue> e : r) {
                if (e.getValue() instanceof OnnxTensor t) {
                    out.put(e.getKey(), t.getInfo().getShape());
                }
            }
        }
        return out;
    }

    private OnnxTensor createInput(Tensor batch) throws OrtException {
        return OrtTensors.toOnnx(env, batch);
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
