package dev.glimpse.training.graph;

import static dev.glimpse.training.graph.GraphWriter.floatAttr;
import static dev.glimpse.training.graph.GraphWriter.intAttr;
import static dev.glimpse.training.graph.GraphWriter.ints;

import dev.glimpse.engine.onnx.Onnx;
import dev.glimpse.training.model.Layer;
import dev.glimpse.training.model.Network;
import dev.glimpse.training.model.ParamTensor;
import dev.glimpse.training.model.Parameters;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes a {@link Network} as ONNX forward graphs: the inference model that workers serve, and the forward half
 * of the training step in training form (batch statistics, dropout with a fed mask). The loss and the backward
 * pass of the training step are not written here: {@link TrainingGraphs} takes them from the engine's autodiff,
 * the one place that holds a gradient rule per operator for both explanations and training.
 */
public final class NetworkGraphs {

    public static final String INPUT = "input";
    public static final String LOGITS = "logits";
    public static final String EMBEDDING = "embedding";
    public static final String TARGET = "target";
    public static final String LOSS = "loss";

    /** How batch normalisation behaves while training. */
    public enum BatchNormMode {
        /** Batch statistics in the forward pass; running statistics updated from them after each step. */
        TRAIN,
        /** Running statistics used as constants (inference form); gamma/beta may still be trained. */
        FROZEN
    }

    /** A training-step graph and the names of what it consumes and produces. */
    public record TrainingGraph(Onnx.ModelProto model, List<String> weightInputs, List<String> gradientOutputs,
                                Map<String, int[]> dropoutMasks, Map<String, Float> dropoutRates,
                                List<String> batchNormLayers) {
        public static String batchMean(String bnLayer) {
            return bnLayer + ".batch_mean";
        }

        public static String batchVar(String bnLayer) {
            return bnLayer + ".batch_var";
        }

        public static String mask(String dropoutLayer) {
            return dropoutLayer + ".mask";
        }
    }

    private NetworkGraphs() {
    }

    /** The inference model: dropout removed, batch norm in inference form, weights as initializers. */
    public static Onnx.ModelProto inference(Network net, Parameters params, Map<String, String> metadata) {
        GraphWriter g = new GraphWriter(net.arch());
        g.input(INPUT, new long[]{-1, net.channels(), net.height(), net.width()});
        for (ParamTensor t : params.all()) {
            g.floatInitializer(t.name(), t.shape(), t.data());
        }
        String x = INPUT;
        List<Layer> layers = net.layers();
        for (int i = 0; i < layers.size(); i++) {
            Layer layer = layers.get(i);
            boolean head = i == layers.size() - 1;
            if (head) {
                x = g.node("Identity", List.of(x), EMBEDDING);
            }
            x = inferenceNode(g, layer, x, head);
        }
        g.output(LOGITS, new long[]{-1, net.numClasses()});
        return g.model(metadata, "Glimpse " + net.arch() + ": " + net.spec());
    }

    private static String inferenceNode(GraphWriter g, Layer layer, String x, boolean head) {
        if (layer instanceof Layer.Conv c) {
            return conv(g, c, x, c.name());
        } else if (layer instanceof Layer.BatchNorm b) {
            return g.node("BatchNormalization", List.of(x, b.name() + ".weight", b.name() + ".bias",
                    b.name() + ".running_mean", b.name() + ".running_var"), b.name(), floatAttr("epsilon", b.epsilon()));
        } else if (layer instanceof Layer.Relu r) {
            return g.node("Relu", List.of(x), r.name());
        } else if (layer instanceof Layer.MaxPool p) {
            return g.node("MaxPool", List.of(x), p.name(),
                    ints("kernel_shape", p.kernel(), p.kernel()), ints("strides", p.stride(), p.stride()));
        } else if (layer instanceof Layer.AvgPool p) {
            return g.node("AveragePool", List.of(x), p.name(),
                    ints("kernel_shape", p.kernel(), p.kernel()), ints("strides", p.kernel(), p.kernel()));
        } else if (layer instanceof Layer.GlobalAvgPool p) {
            return g.node("GlobalAveragePool", List.of(x), p.name());
        } else if (layer instanceof Layer.Dropout) {
            return x; // inference: identity, no node
        } else if (layer instanceof Layer.Flatten f) {
            return g.node("Flatten", List.of(x), f.name(), intAttr("axis", 1));
        } else if (layer instanceof Layer.Linear l) {
            return g.node("Gemm", List.of(x, l.name() + ".weight", l.name() + ".bias"), head ? LOGITS : l.name(),
                    intAttr("transB", 1));
        }
        throw new IllegalArgumentException("no ONNX form for layer " + layer);
    }

    private static String conv(GraphWriter g, Layer.Conv c, String x, String out) {
        List<String> in = c.bias() ? List.of(x, c.name() + ".weight", c.name() + ".bias") : List.of(x, c.name() + ".weight");
        return g.node("Conv", in, out, ints("kernel_shape", c.kernel(), c.kernel()),
                ints("pads", c.pad(), c.pad(), c.pad(), c.pad()), ints("strides", 1, 1));
    }

    /**
     * The forward half of the training step, in training form: inputs {@code input} [N,C,H,W] and one
     * {@code <dropout>.mask} per dropout layer (0 or 1/(1-p), same shape as the activation, drawn by the caller);
     * outputs {@code logits} and, for batch-norm layers trained on batch statistics, {@code <bn>.batch_mean} /
     * {@code <bn>.batch_var} (biased) for the running-statistics update. Every weight is an initializer: the
     * trainable ones are turned into inputs by the engine's gradient builder ({@link TrainingGraphs}), frozen ones
     * stay constants that ONNX Runtime can fold. No loss and no backward pass here: both come from the engine.
     */
    public static TrainingGraph trainingForward(Network net, Parameters params, Set<String> trainable, BatchNormMode bnMode) {
        for (String t : trainable) {
            if (!params.has(t) || params.get(t).buffer()) {
                throw new IllegalArgumentException("'" + t + "' is not a trainable weight of " + net.arch());
            }
        }
        GraphWriter g = new GraphWriter(net.arch() + "-train");
        List<Layer> layers = net.layers();
        List<int[]> shapes = net.shapes();
        g.input(INPUT, new long[]{-1, net.channels(), net.height(), net.width()});
        List<String> weightInputs = new ArrayList<>();
        for (ParamTensor t : params.all()) {
            // Running statistics are never read directly: TRAIN mode uses batch statistics, FROZEN mode constants
            // derived from them below.
            if (!t.buffer()) {
                g.floatInitializer(t.name(), t.shape(), t.data());
                if (trainable.contains(t.name())) {
                    weightInputs.add(t.name());
                }
            }
        }
        Map<String, int[]> masks = new LinkedHashMap<>();
        Map<String, Float> rates = new LinkedHashMap<>();
        List<String> bnTrain = new ArrayList<>();
        List<String> outputs = new ArrayList<>();
        String x = INPUT;
        for (int i = 0; i < layers.size(); i++) {
            Layer layer = layers.get(i);
            boolean head = i == layers.size() - 1;
            if (head) {
                x = g.node("Identity", List.of(x), EMBEDDING);
            }
            if (layer instanceof Layer.BatchNorm b) {
                x = batchNormTrainingForm(g, b, x, shapes.get(i)[0], params, trainable, bnMode, bnTrain, outputs);
            } else if (layer instanceof Layer.Dropout d) {
                if (d.rate() > 0) {
                    String mask = TrainingGraph.mask(d.name());
                    int[] s = shapes.get(i);
                    long[] dims = new long[s.length + 1];
                    dims[0] = -1;
                    for (int k = 0; k < s.length; k++) {
                        dims[k + 1] = s[k];
                    }
                    g.input(mask, dims);
                    masks.put(mask, s);
                    rates.put(mask, d.rate());
                    x = g.node("Mul", List.of(x, mask), d.name());
                }
            } else {
                x = inferenceNode(g, layer, x, head);
            }
        }
        g.output(LOGITS, new long[]{-1, net.numClasses()});
        for (String o : outputs) {
            g.output(o, new long[]{shapes.get(indexOf(layers, o.substring(0, o.lastIndexOf('.'))))[0]});
        }
        return new TrainingGraph(g.model(Map.of(), "training forward of " + net.arch() + ", batch norm " + bnMode),
                weightInputs, List.of(), masks, rates, bnTrain);
    }

    /**
     * Batch normalisation written out in primitive ops so that the engine differentiates through the batch
     * statistics: y = (x - mean) / sqrt(var + eps) * gamma + beta with mean/var over N,H,W of this batch (TRAIN
     * mode, layer trainable), or with the running statistics as constants (FROZEN mode or a frozen layer).
     */
    private static String batchNormTrainingForm(GraphWriter g, Layer.BatchNorm b, String x, int ch, Parameters params,
                                                Set<String> trainable, BatchNormMode bnMode, List<String> bnTrain,
                                                List<String> outputs) {
        String gamma = b.name() + ".weight";
        String beta = b.name() + ".bias";
        boolean layerTrainable = trainable.contains(gamma) || trainable.contains(beta);
        String shape4 = g.int64s("c4", 1, ch, 1, 1);
        String gammaR = g.op("Reshape", "gammaR", List.of(gamma, shape4));
        String betaR = g.op("Reshape", "betaR", List.of(beta, shape4));
        String xhat;
        if (bnMode == BatchNormMode.TRAIN && layerTrainable) {
            String mean = g.op("ReduceMean", "mean", List.of(x), ints("axes", 0, 2, 3), intAttr("keepdims", 1));
            String xc = g.op("Sub", "xc", List.of(x, mean));
            String var = g.op("ReduceMean", "var", List.of(g.op("Mul", "sq", List.of(xc, xc))),
                    ints("axes", 0, 2, 3), intAttr("keepdims", 1));
            String invstd = g.op("Reciprocal", "invstd", List.of(g.op("Sqrt", "std",
                    List.of(g.op("Add", "vareps", List.of(var, g.scalar("eps", b.epsilon())))))));
            xhat = g.op("Mul", "xhat", List.of(xc, invstd));
            String c1 = g.int64s("c1", ch);
            g.node("Reshape", List.of(mean, c1), TrainingGraph.batchMean(b.name()));
            g.node("Reshape", List.of(var, c1), TrainingGraph.batchVar(b.name()));
            outputs.add(TrainingGraph.batchMean(b.name()));
            outputs.add(TrainingGraph.batchVar(b.name()));
            bnTrain.add(b.name());
        } else {
            float[] rm = params.get(b.name() + ".running_mean").data();
            float[] rv = params.get(b.name() + ".running_var").data();
            float[] inv = new float[ch];
            float[] negMean = new float[ch];
            for (int c = 0; c < ch; c++) {
                inv[c] = (float) (1.0 / Math.sqrt(rv[c] + b.epsilon()));
                negMean[c] = -rm[c];
            }
            String invName = g.fresh(b.name() + ".frozen_invstd");
            String negMeanName = g.fresh(b.name() + ".frozen_negmean");
            g.floatInitializer(invName, new long[]{1, ch, 1, 1}, inv);
            g.floatInitializer(negMeanName, new long[]{1, ch, 1, 1}, negMean);
            xhat = g.op("Mul", "xhat", List.of(g.op("Add", "xc", List.of(x, negMeanName)), invName));
        }
        return g.node("Add", List.of(g.op("Mul", "scaled", List.of(xhat, gammaR)), betaR), b.name());
    }

    private static int indexOf(List<Layer> layers, String name) {
        for (int i = 0; i < layers.size(); i++) {
            if (layers.get(i).name().equals(name)) {
                return i;
            }
        }
        throw new IllegalArgumentException(name);
    }
}
