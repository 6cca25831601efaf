package dev.glimpse.training;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.glimpse.training.graph.NetworkGraphs;
import dev.glimpse.training.graph.NetworkGraphs.TrainingGraph;
import dev.glimpse.training.graph.TrainingGraphs;
import dev.glimpse.training.model.Network;
import dev.glimpse.training.model.Parameters;
import java.nio.FloatBuffer;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One ONNX Runtime session over a training-step graph ({@link TrainingGraphs}: forward in training form, the
 * engine's loss and the engine's backward pass): a call to {@link #run} feeds a batch, the targets, the
 * dropout masks and the current trainable weights, and returns loss, logits, gradients and batch-norm
 * statistics from a single {@code OrtSession.run}.
 */
public final class TrainingStep implements AutoCloseable {

    /** What one step returns; gradients are keyed by weight name. */
    public record Result(float loss, float[] logits, Map<String, float[]> gradients,
                         Map<String, float[]> batchMeans, Map<String, float[]> batchVars) {
    }

    private final OrtEnvironment env = OrtEnvironment.getEnvironment();
    private final Network network;
    private final TrainingGraph graph;
    private final OrtSession session;
    private final Set<String> outputs;

    /**
     * @param trainable weights to differentiate and feed each step; the others are constants of the graph
     * @param threads   ONNX Runtime intra-op threads (0 = its default)
     */
    public TrainingStep(Network network, Parameters params, Set<String> trainable,
                        NetworkGraphs.BatchNormMode bnMode, int threads) throws OrtException {
        this.network = network;
        this.graph = TrainingGraphs.training(network, params, trainable, bnMode);
        try (OrtSession.SessionOptions opts = TrainingSessionOptions.of(threads)) {
            this.session = env.createSession(graph.model().toByteArray(), opts);
        }
        Set<String> out = new LinkedHashSet<>();
        out.add(NetworkGraphs.LOSS);
        out.add(NetworkGraphs.LOGITS);
        out.addAll(graph.gradientOutputs());
        for (String bn : graph.batchNormLayers()) {
            out.add(TrainingGraph.batchMean(bn));
            out.add(TrainingGraph.batchVar(bn));
        }
        this.outputs = out;
    }

    public TrainingGraph graph() {
        return graph;
    }

    /**
     * @param input   n x C x H x W preprocessed pixels
     * @param target  n x K class probabilities
     * @param masks   dropout masks by input name ({@link TrainingGraph#mask}), each n x activation size
     */
    public Result run(float[] input, int n, float[] target, Map<String, float[]> masks, Parameters params)
            throws OrtException {
        Map<String, OnnxTensor> feed = new HashMap<>();
        try {
            feed.put(NetworkGraphs.INPUT, OnnxTensor.createTensor(env, FloatBuffer.wrap(input, 0, n * network.channels()
                    * network.height() * network.width()), new long[]{n, network.channels(), network.height(), network.width()}));
            feed.put(NetworkGraphs.TARGET, OnnxTensor.createTensor(env, FloatBuffer.wrap(target, 0, n * network.numClasses()),
                    new long[]{n, network.numClasses()}));
            for (Map.Entry<String, int[]> m : graph.dropoutMasks().entrySet()) {
                int[] s = m.getValue();
                long[] dims = new long[s.length + 1];
                dims[0] = n;
                int per = 1;
                for (int k = 0; k < s.length; k++) {
                    dims[k + 1] = s[k];
                    per *= s[k];
                }
                float[] mask = masks.get(m.getKey());
                if (mask == null) {
                    throw new IllegalArgumentException("missing dropout mask " + m.getKey());
                }
                feed.put(m.getKey(), OnnxTensor.createTensor(env, FloatBuffer.wrap(mask, 0, n * per), dims));
            }
            for (String w : graph.weightInputs()) {
                var t = params.get(w);
                feed.put(w, OnnxTensor.createTensor(env, FloatBuffer.wrap(t.data()), t.shape()));
            }
            try (OrtSession.Result r = session.run(feed, outputs)) {
                float loss = ((OnnxTensor) r.get(NetworkGraphs.LOSS).orElseThrow()).getFloatBuffer().get(0);
                float[] logits = floats(r, NetworkGraphs.LOGITS);
                Map<String, float[]> grads = new HashMap<>();
                for (int i = 0; i < graph.weightInputs().size(); i++) {
                    grads.put(graph.weightInputs().get(i), floats(r, graph.gradientOutputs().get(i)));
                }
                Map<String, float[]> means = new HashMap<>();
                Map<String, float[]> vars = new HashMap<>();
                for (String bn : graph.batchNormLayers()) {
                    means.put(bn, floats(r, TrainingGraph.batchMean(bn)));
                    vars.put(bn, floats(r, TrainingGraph.batchVar(bn)));
                }
                return new Result(loss, logits, grads, means, vars);
            }
        } finally {
            for (OnnxTensor t : feed.values()) {
                t.close();
            }
        }
    }

    private static float[] floats(OrtSession.Result r, String name) throws OrtException {
        FloatBuffer b = ((OnnxTensor) r.get(name).orElseThrow(() -> new IllegalStateException("no output " + name)))
                .getFloatBuffer();
        float[] out = new float[b.remaining()];
        b.get(out);
        return out;
    }

    public List<String> weightInputs() {
        return graph.weightInputs();
    }

    @Override
    public void close() throws OrtException {
        session.close();
    }
}
