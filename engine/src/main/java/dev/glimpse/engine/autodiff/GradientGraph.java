package dev.glimpse.engine.autodiff;

import dev.glimpse.engine.graph.OnnxModel;

import java.util.List;
import java.util.Map;

/**
 * A forward + backward ONNX graph built by {@link GradientGraphBuilder}; one ONNX Runtime run of {@link #model()}
 * returns the forward outputs, the kept activations and the gradients.
 *
 * @param model            the combined model (batch dimension symbolic "N")
 * @param forwardInputs    the original graph inputs to feed (e.g. the image batch)
 * @param seedInputs       differentiated tensor → name of the seed input to feed (same shape as the tensor; e.g.
 *                         a one-hot row per batch item for "d logit_c"); absent for scalars (seed 1)
 * @param trainableInputs  initializers turned into graph inputs (to feed on every run), in the order given
 * @param forwardOutputs   the original graph outputs
 * @param differentiated   the differentiated tensors (also graph outputs)
 * @param activations      kept forward tensors (graph outputs)
 * @param gradientOutputs  wrt tensor → name of the output holding d(sum of seed·target)/d(wrt), "grad:" + name
 * @param shapes           static shapes of every forward tensor with -1 for batch-dependent dimensions
 */
public record GradientGraph(OnnxModel model, List<String> forwardInputs, Map<String, String> seedInputs,
                            List<String> trainableInputs, List<String> forwardOutputs, List<String> differentiated,
                            List<String> activations, Map<String, String> gradientOutputs,
                            Map<String, long[]> shapes) {

    /** Output name of the gradient of {@code tensor}. */
    public static String gradName(String tensor) {
        return "grad:" + tensor;
    }

    /** Input name of the seed of {@code tensor}. */
    public static String seedName(String tensor) {
        return "grad_seed:" + tensor;
    }

    /** The output holding the gradient of {@code wrt}; fails naming it when it was not requested. */
    public String gradientOf(String wrt) {
        String g = gradientOutputs.get(wrt);
        if (g == null) {
            throw new IllegalArgumentException("no gradient was requested for '" + wrt + "'; wrt = " + gradientOutputs.keySet());
        }
        return g;
    }

    /** The seed input of a differentiated tensor; fails when it has none (scalar targets get seed 1). */
    public String seedOf(String target) {
        String s = seedInputs.get(target);
        if (s == null) {
            throw new IllegalArgumentException("'" + target + "' has no seed input (not differentiated, or scalar)");
        }
        return s;
    }

    /** Static shape of a forward tensor, -1 for batch-dependent dimensions. */
    public long[] shape(String tensor) {
        long[] s = shapes.get(tensor);
        if (s == null) {
            throw new IllegalArgumentException("no shape known for '" + tensor + "'");
        }
        return s.clone();
    }
}
