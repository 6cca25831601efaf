package dev.glimpse.engine.exec;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.glimpse.engine.autodiff.GradientGraph;
import dev.glimpse.engine.graph.OnnxModel;
import dev.glimpse.runtime.ExecutionDevice;
import dev.glimpse.runtime.OrtSessions;
import dev.glimpse.runtime.PlacedSession;
import dev.glimpse.runtime.SessionTuning;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Runs a model (typically a {@link GradientGraph}: forward + backward fused) on ONNX Runtime: one session, opened
 * once, reused for any batch size and any seed; every {@link OnnxTensor} and {@link OrtSession.Result} is closed
 * before {@link #run} returns. Thread-safe as far as {@link OrtSession#run} is (concurrent runs are allowed).
 */
public final class GradientSession implements AutoCloseable {

    private final OrtSession session;
    private final AutoCloseable owner;
    private final String device;
    private final Set<String> inputNames;
    private final List<String> outputNames;

    private GradientSession(OrtSession session, Collection<String> overridable) throws OrtException {
        this(session, session, "cpu", overridable);
    }

    private GradientSession(OrtSession session, AutoCloseable owner, String device, Collection<String> overridable)
            throws OrtException {
        this.session = session;
        this.owner = owner;
        this.device = device;
        Set<String> names = new LinkedHashSet<>(session.getInputNames());
        names.addAll(overridable);
        this.inputNames = Collections.unmodifiableSet(names);
        this.outputNames = new ArrayList<>(session.getOutputNames());
    }

    /** Opens a CPU session for the combined graph. */
    public static GradientSession open(GradientGraph graph) throws OrtException {
        return new GradientSession(SessionFactory.open(graph.model().toBytes()), graph.trainableInputs());
    }

    /**
     * Opens a CPU session for the combined graph, optimised up to {@code level} (see {@link SessionFactory}), its
     * large weights lent by {@code weights} (shared with the model's other sessions) when not null.
     */
    public static GradientSession open(GradientGraph graph, OrtSession.SessionOptions.OptLevel level, SharedWeights weights)
            throws OrtException {
        if (weights == null) {
            return open(graph, level);
        }
        SessionFactory.LentSession lent = SessionFactory.open(graph.model().proto(), level, 0, weights);
        try {
            return new GradientSession(lent.session(), lent, "cpu", graph.trainableInputs());
        } catch (OrtException | RuntimeException e) {
            lent.close();
            throw e;
        }
    }

    /** Opens a CPU session for the combined graph, optimised up to {@code level} (see {@link SessionFactory}). */
    public static GradientSession open(GradientGraph graph, OrtSession.SessionOptions.OptLevel level) throws OrtException {
        return new GradientSession(SessionFactory.open(graph.model().toBytes(), level), graph.trainableInputs());
    }

    /**
     * Opens the combined graph on the requested device through the runtime module ({@code cuda} falls back to CPU
     * with a log line when CUDA is absent, unless strict); {@link #device()} tells where it runs.
     */
    public static GradientSession open(GradientGraph graph, ExecutionDevice device, SessionTuning tuning)
            throws OrtException {
        PlacedSession placed = OrtSessions.open(graph.model().toBytes(), device, tuning);
        return new GradientSession(placed.session(), placed, placed.device().toString(), graph.trainableInputs());
    }

    /** The device the session runs on ("cpu", "cuda:0", ...). */
    public String device() {
        return device;
    }

    /** Opens a CPU session for any model (forward-only use). */
    public static GradientSession open(OnnxModel model) throws OrtException {
        return new GradientSession(SessionFactory.open(model.toBytes()), List.of());
    }

    /** Takes ownership of a session opened elsewhere (e.g. on CUDA by the runtime module); closes it on close(). */
    public static GradientSession wrap(OrtSession session) throws OrtException {
        return new GradientSession(session, List.of());
    }

    /**
     * As {@link #wrap(OrtSession)} for a session of {@code graph}'s model: its trainable weights (initializers that
     * are also inputs, which ONNX Runtime does not list as inputs) may be fed.
     */
    public static GradientSession wrap(OrtSession session, GradientGraph graph) throws OrtException {
        return new GradientSession(session, graph.trainableInputs());
    }

    /**
     * The current values of initializers, as feeds: the starting point of the trainable weights that
     * {@code GradientGraphBuilder.trainableAsInputs} turned into inputs.
     */
    public static Map<String, Tensor> initialValues(OnnxModel model, Collection<String> names) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (String n : names) {
            out.put(n, Tensor.of(model.initializerFloats(n), model.initializerDims(n)));
        }
        return out;
    }

    /** Names that may be fed: the graph inputs plus overridable trainable weights. */
    public Set<String> inputNames() {
        return inputNames;
    }

    public List<String> outputNames() {
        return outputNames;
    }

    /** Runs and returns every output of the graph. */
    public Map<String, Tensor> run(Map<String, Tensor> feeds) throws OrtException {
        return run(feeds, outputNames);
    }

    /**
     * Runs and returns only {@code outputs}. ONNX Runtime still executes the whole graph (it does not prune per
     * run), so every input, seeds included, must be fed; for forward-only work open a session on the forward model.
     */
    public Map<String, Tensor> run(Map<String, Tensor> feeds, Collection<String> outputs) throws OrtException {
        for (String name : feeds.keySet()) {
            if (!inputNames.contains(name)) {
                throw new IllegalArgumentException("graph has no input '" + name + "'; inputs are " + inputNames);
            }
        }
        for (String o : outputs) {
            if (!outputNames.contains(o)) {
                throw new IllegalArgumentException("graph has no output '" + o + "'; outputs are " + outputNames);
            }
        }
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        Map<String, OnnxTensor> in = new HashMap<>();
        try {
            for (Map.Entry<String, Tensor> e : feeds.entrySet()) {
                Tensor t = e.getValue();
                in.put(e.getKey(), t.isFloat()
                        ? OnnxTensor.createTensor(env, FloatBuffer.wrap(t.floats()), t.shape())
                        : OnnxTensor.createTensor(env, LongBuffer.wrap(t.longs()), t.shape()));
            }
            Map<String, Tensor> out = new LinkedHashMap<>();
            try (OrtSession.Result r = session.run(in, Set.copyOf(outputs))) {
                for (Map.Entry<String, OnnxValue> e : r) {
                    out.put(e.getKey(), toTensor(e.getKey(), e.getValue()));
                }
            }
            return out;
        } finally {
            for (OnnxTensor t : in.values()) {
                t.close();
            }
        }
    }

    private static Tensor toTensor(String name, OnnxValue v) throws OrtException {
        if (!(v instanceof OnnxTensor t)) {
            throw new IllegalStateException("output '" + name + "' is not a tensor");
        }
        TensorInfo info = t.getInfo();
        long[] shape = info.getShape();
        switch (info.type) {
            case FLOAT: {
                FloatBuffer b = t.getFloatBuffer();
                float[] d = new float[b.remaining()];
                b.get(d);
                return Tensor.of(d, shape);
            }
            case INT64: {
                LongBuffer b = t.getLongBuffer();
                long[] d = new long[b.remaining()];
                b.get(d);
                return Tensor.ofLongs(d, shape);
            }
            case BOOL: case INT32: case INT8: case UINT8: case DOUBLE: {
                Object arr = t.getValue();
                float[] d = new float[(int) info.getNumElements()];
                flatten(arr, d, new int[] {0});
                return Tensor.of(d, shape);
            }
            default:
                throw new IllegalStateException("output '" + name + "' has unsupported type " + info.type);
        }
    }

    private static void flatten(Object arr, float[] out, int[] pos) {
        if (arr instanceof float[] f) {
            for (float x : f) {
                out[pos[0]++] = x;
            }
        } else if (arr instanceof double[] f) {
            for (double x : f) {
                out[pos[0]++] = (float) x;
            }
        } else if (arr instanceof int[] f) {
            for (int x : f) {
                out[pos[0]++] = x;
            }
        } else if (arr instanceof byte[] f) {
            for (byte x : f) {
                out[pos[0]++] = x;
            }
        } else if (arr instanceof boolean[] f) {
            for (boolean x : f) {
                out[pos[0]++] = x ? 1 : 0;
            }
        } else if (arr instanceof Object[] o) {
            for (Object x : o) {
                flatten(x, out, pos);
            }
        } else if (arr instanceof Boolean b) {
            out[pos[0]++] = b ? 1 : 0;
        } else if (arr instanceof Number num) {
            out[pos[0]++] = num.floatValue();
        }
    }

    /** Declared input metadata (for callers that want to check shapes). */
    public Map<String, NodeInfo> inputInfo() throws OrtException {
        return session.getInputInfo();
    }

    @Override
    public void close() throws OrtException {
        try {
            owner.close();
        } catch (OrtException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("closing the session failed", e);
        }
    }
}
