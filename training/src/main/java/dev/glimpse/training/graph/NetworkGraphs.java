package dev.glimpse.training.graph;

import static dev.glimpse.training.graph.GraphWriter.floatAttr;
import static dev.glimpse.training.graph.GraphWriter.intAttr;
import static dev.glimpse.training.graph.GraphWriter.ints;
import static dev.glimpse.training.graph.GraphWriter.stringAttr;

import dev.glimpse.engine.onnx.Onnx;
import dev.glimpse.training.model.Layer;
import dev.glimpse.training.model.Network;
import dev.glimpse.training.model.ParamTensor;
import dev.glimpse.training.model.Parameters;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes a {@link Network} as ONNX: the inference model that workers serve, and the training-step model
 * (forward in training form, softmax cross-entropy loss, and the backward pass w.r.t. the trainable weights)
 * that one ONNX Runtime call evaluates per step.
 *
 * <p>The backward pass is written layer by layer with the standard rules: Conv weight gradient as a Conv of
 * the transposed input with the transposed output gradient, input gradient as ConvTranspose; Gemm transposes;
 * MaxPool through its argmax indices and ScatterElements(add); AveragePool as a depthwise ConvTranspose with a
 * constant 1/k^2 kernel; ReLU as a Where mask; BatchNormalization (batch statistics) with the closed-form
 * gradient; Dropout as the same mask. Every rule is checked against finite differences in the tests.
 */
public final class NetworkGraphs {

    public static final String INPUT = "input";
    public static final String LOGITS = "logits";
    public static final String EMBEDDING = "embedding";
    public static final String TARGET = "target";
    public static final String LOSS = "loss";
    public static final String GRAD_PREFIX = "grad.";

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
     * The training step. Inputs: {@code input} [N,C,H,W], {@code target} [N,K] (class probabilities, e.g.
     * smoothed one-hot), every trainable weight under its own name, one {@code <dropout>.mask} per dropout
     * layer (0 or 1/(1-p), same shape as the activation). Outputs: {@code loss} (mean cross-entropy),
     * {@code logits}, {@code grad.<weight>} per trainable weight, and for batch-norm layers in TRAIN mode
     * {@code <bn>.batch_mean} / {@code <bn>.batch_var} (biased) for the running-statistics update.
     * Frozen weights and running statistics are initializers, so ONNX Runtime can fold them.
     */
    public static TrainingGraph training(Network net, Parameters params, Set<String> trainable, BatchNormMode bnMode) {
        return training(net, params, trainable, bnMode, true);
    }

    /**
     * The forward half of {@link #training}: same inputs except {@code target}, outputs {@code logits} and the
     * batch-norm statistics, no loss and no gradients; for a generic differentiator (the engine) to complete.
     */
    public static TrainingGraph trainingForward(Network net, Parameters params, Set<String> trainable, BatchNormMode bnMode) {
        return training(net, params, trainable, bnMode, false);
    }

    private static TrainingGraph training(Network net, Parameters params, Set<String> trainable, BatchNormMode bnMode,
                                          boolean withBackward) {
        for (String t : trainable) {
            if (!params.has(t) || params.get(t).buffer()) {
                throw new IllegalArgumentException("'" + t + "' is not a trainable weight of " + net.arch());
            }
        }
        GraphWriter g = new GraphWriter(net.arch() + "-train");
        List<Layer> layers = net.layers();
        List<int[]> shapes = net.shapes();
        g.input(INPUT, new long[]{-1, net.channels(), net.height(), net.width()});
        if (withBackward) {
            g.input(TARGET, new long[]{-1, net.numClasses()});
        }
        List<String> weightInputs = new ArrayList<>();
        for (ParamTensor t : params.all()) {
            if (trainable.contains(t.name())) {
                g.input(t.name(), t.shape());
                weightInputs.add(t.name());
            } else if (!t.buffer()) {
                // Running statistics are never read directly: TRAIN mode uses batch statistics, FROZEN mode
                // constants derived from them below.
                g.floatInitializer(t.name(), t.shape(), t.data());
            }
        }
        int firstTrainable = layers.size();
        for (int i = 0; i < layers.size(); i++) {
            String name = layers.get(i).name();
            if (trainable.stream().anyMatch(t -> t.startsWith(name + "."))) {
                firstTrainable = Math.min(firstTrainable, i);
            }
        }

        // ---- forward (training form) ----
        String[] in = new String[layers.size()];
        String[] out = new String[layers.size()];
        Map<String, String> saved = new HashMap<>();
        Map<String, int[]> masks = new LinkedHashMap<>();
        Map<String, Float> rates = new LinkedHashMap<>();
        List<String> bnTrain = new ArrayList<>();
        List<String> outputs = new ArrayList<>();
        String x = INPUT;
        String bnAxes = null;
        for (int i = 0; i < layers.size(); i++) {
            Layer layer = layers.get(i);
            in[i] = x;
            boolean head = i == layers.size() - 1;
            if (head) {
                x = g.node("Identity", List.of(x), EMBEDDING);
                in[i] = x;
            }
            {
                if (layer instanceof Layer.Conv c) {
                    x = conv(g, c, x, c.name());
                } else if (layer instanceof Layer.BatchNorm b) {
                    int ch = shapes.get(i)[0];
                    String gamma = b.name() + ".weight";
                    String beta = b.name() + ".bias";
                    boolean layerTrainable = trainable.contains(gamma) || trainable.contains(beta);
                    String shape4 = g.int64s("c4", 1, ch, 1, 1);
                    String gammaR = g.op("Reshape", "gammaR", List.of(gamma, shape4));
                    saved.put(b.name() + ":gammaR", gammaR);
                    if (bnMode == BatchNormMode.TRAIN && layerTrainable) {
                        String mean = g.op("ReduceMean", "mean", List.of(x), ints("axes", 0, 2, 3), intAttr("keepdims", 1));
                        String xc = g.op("Sub", "xc", List.of(x, mean));
                        String var = g.op("ReduceMean", "var", List.of(g.op("Mul", "sq", List.of(xc, xc))),
                                ints("axes", 0, 2, 3), intAttr("keepdims", 1));
                        String invstd = g.op("Reciprocal", "invstd", List.of(g.op("Sqrt", "std",
                                List.of(g.op("Add", "vareps", List.of(var, g.scalar("eps", b.epsilon())))))));
                        String xhat = g.op("Mul", "xhat", List.of(xc, invstd));
                        saved.put(b.name() + ":xhat", xhat);
                        saved.put(b.name() + ":invstd", invstd);
                        String betaR = g.op("Reshape", "betaR", List.of(beta, shape4));
                        x = g.node("Add", List.of(g.op("Mul", "scaled", List.of(xhat, gammaR)), betaR), b.name());
                        String c1 = g.int64s("c1", ch);
                        g.node("Reshape", List.of(mean, c1), TrainingGraph.batchMean(b.name()));
                        g.node("Reshape", List.of(var, c1), TrainingGraph.batchVar(b.name()));
                        outputs.add(TrainingGraph.batchMean(b.name()));
                        outputs.add(TrainingGraph.batchVar(b.name()));
                        bnTrain.add(b.name());
                    } else {
                        // Inference form with running statistics as constants: y = (x - rm) * invstd * gamma + beta.
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
                        String xhat = g.op("Mul", "xhat", List.of(g.op("Add", "xc", List.of(x, negMeanName)), invName));
                        String betaR = g.op("Reshape", "betaR", List.of(beta, shape4));
                        x = g.node("Add", List.of(g.op("Mul", "scaled", List.of(xhat, gammaR)), betaR), b.name());
                        saved.put(b.name() + ":xhat", xhat);
                        saved.put(b.name() + ":scale", g.op("Mul", "bnscale", List.of(gammaR, invName)));
                    }
                } else if (layer instanceof Layer.Relu r) {
                    x = g.node("Relu", List.of(x), r.name());
                } else if (layer instanceof Layer.MaxPool p) {
                    if (p.kernel() == p.stride()) {
                        // Non-overlapping windows: the backward pass re-finds the maxima by comparison, so the
                        // forward can use ONNX Runtime's fast pooling kernel (the one with indices is far slower).
                        x = g.node("MaxPool", List.of(x), p.name(),
                                ints("kernel_shape", p.kernel(), p.kernel()), ints("strides", p.stride(), p.stride()));
                    } else {
                        String idx = p.name() + ".argmax";
                        g.nodeMulti("MaxPool", List.of(x), List.of(p.name(), idx),
                                ints("kernel_shape", p.kernel(), p.kernel()), ints("strides", p.stride(), p.stride()));
                        saved.put(p.name() + ":idx", idx);
                        x = p.name();
                    }
                } else if (layer instanceof Layer.AvgPool p) {
                    x = g.node("AveragePool", List.of(x), p.name(),
                            ints("kernel_shape", p.kernel(), p.kernel()), ints("strides", p.kernel(), p.kernel()));
                } else if (layer instanceof Layer.GlobalAvgPool p) {
                    x = g.node("GlobalAveragePool", List.of(x), p.name());
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
                } else if (layer instanceof Layer.Flatten f) {
                    x = g.node("Flatten", List.of(x), f.name(), intAttr("axis", 1));
                } else if (layer instanceof Layer.Linear l) {
                    x = g.node("Gemm", List.of(x, l.name() + ".weight", l.name() + ".bias"),
                            head ? LOGITS : l.name(), intAttr("transB", 1));
                }
            }
            out[i] = x;
        }

        if (!withBackward) {
            g.output(LOGITS, new long[]{-1, net.numClasses()});
            for (String o : outputs) {
                g.output(o, new long[]{shapes.get(indexOf(layers, o.substring(0, o.lastIndexOf('.'))))[0]});
            }
            return new TrainingGraph(g.model(Map.of(), "training forward of " + net.arch() + ", batch norm " + bnMode),
                    weightInputs, List.of(), masks, rates, bnTrain);
        }

        // ---- loss: mean over the batch of -sum_k target_k * log_softmax(logits)_k ----
        String logSoftmax = g.op("LogSoftmax", "logp", List.of(LOGITS), intAttr("axis", 1));
        String perExample = g.op("ReduceSum", "nll", List.of(g.op("Mul", "tlogp", List.of(TARGET, logSoftmax)),
                g.int64s("ax1", 1)), intAttr("keepdims", 0));
        g.node("Neg", List.of(g.op("ReduceMean", "meannll", List.of(perExample), ints("axes", 0), intAttr("keepdims", 0))), LOSS);
        String batch = g.op("Cast", "n", List.of(g.op("Gather", "n0", List.of(g.op("Shape", "shape", List.of(LOGITS)),
                g.int64s("zero", 0)))), intAttr("to", Onnx.TensorProto.DataType.FLOAT_VALUE));
        String dy = g.op("Div", "dlogits", List.of(g.op("Sub", "pminust", List.of(g.op("Exp", "p", List.of(logSoftmax)), TARGET)), batch));

        // ---- backward ----
        List<String> grads = new ArrayList<>();
        // A float zero for the ReLU and max-pool masks; only written if some layer needs it (an unused
        // initializer makes ONNX Runtime print a warning).
        boolean needsZero = false;
        for (int i = layers.size() - 1; i > firstTrainable; i--) {
            needsZero |= layers.get(i) instanceof Layer.Relu || layers.get(i) instanceof Layer.MaxPool;
        }
        String zero = needsZero ? g.scalar("zero", 0f) : null;
        for (int i = layers.size() - 1; i >= firstTrainable; i--) {
            Layer layer = layers.get(i);
            boolean needDx = i > firstTrainable;
            String xin = in[i];
            String dx = null;
            {
                if (layer instanceof Layer.Linear l) {
                    String w = l.name() + ".weight";
                    if (trainable.contains(w)) {
                        grads.add(g.node("Gemm", List.of(dy, xin), GRAD_PREFIX + w, intAttr("transA", 1)));
                    }
                    if (trainable.contains(l.name() + ".bias")) {
                        grads.add(g.node("ReduceSum", List.of(dy, g.int64s("ax0", 0)), GRAD_PREFIX + l.name() + ".bias",
                                intAttr("keepdims", 0)));
                    }
                    if (needDx) {
                        dx = g.op("MatMul", "d_" + l.name(), List.of(dy, w));
                    }
                } else if (layer instanceof Layer.Conv c) {
                    String w = c.name() + ".weight";
                    if (trainable.contains(w)) {
                        grads.add(convWeightGradient(g, c, xin, dy, shapes.get(i), shapes.get(i + 1), GRAD_PREFIX + w));
                    }
                    if (c.bias() && trainable.contains(c.name() + ".bias")) {
                        grads.add(g.node("ReduceSum", List.of(dy, g.int64s("ax023", 0, 2, 3)),
                                GRAD_PREFIX + c.name() + ".bias", intAttr("keepdims", 0)));
                    }
                    if (needDx) {
                        dx = g.op("ConvTranspose", "d_" + c.name(), List.of(dy, w),
                                ints("kernel_shape", c.kernel(), c.kernel()),
                                ints("pads", c.pad(), c.pad(), c.pad(), c.pad()), ints("strides", 1, 1));
                    }
                } else if (layer instanceof Layer.BatchNorm b) {
                    String gamma = b.name() + ".weight";
                    String beta = b.name() + ".bias";
                    String xhat = saved.get(b.name() + ":xhat");
                    String dyxhat = g.op("Mul", "dyxhat", List.of(dy, xhat));
                    if (trainable.contains(gamma)) {
                        grads.add(g.node("ReduceSum", List.of(dyxhat, g.int64s("ax023", 0, 2, 3)), GRAD_PREFIX + gamma,
                                intAttr("keepdims", 0)));
                    }
                    if (trainable.contains(beta)) {
                        grads.add(g.node("ReduceSum", List.of(dy, g.int64s("ax023", 0, 2, 3)), GRAD_PREFIX + beta,
                                intAttr("keepdims", 0)));
                    }
                    if (needDx) {
                        if (saved.containsKey(b.name() + ":invstd")) {
                            // dx = gamma * invstd * (dy - mean(dy) - xhat * mean(dy * xhat)), means over N,H,W
                            String mdy = g.op("ReduceMean", "mdy", List.of(dy), ints("axes", 0, 2, 3), intAttr("keepdims", 1));
                            String mdyx = g.op("ReduceMean", "mdyx", List.of(dyxhat), ints("axes", 0, 2, 3), intAttr("keepdims", 1));
                            String centred = g.op("Sub", "bnc", List.of(g.op("Sub", "bnd", List.of(dy, mdy)),
                                    g.op("Mul", "bnx", List.of(xhat, mdyx))));
                            String scale = g.op("Mul", "bns", List.of(saved.get(b.name() + ":gammaR"), saved.get(b.name() + ":invstd")));
                            dx = g.op("Mul", "d_" + b.name(), List.of(centred, scale));
                        } else {
                            dx = g.op("Mul", "d_" + b.name(), List.of(dy, saved.get(b.name() + ":scale")));
                        }
                    }
                } else if (layer instanceof Layer.Relu r) {
                    if (needDx) {
                        String pos = g.op("Greater", "pos", List.of(out[i], zero));
                        dx = g.op("Where", "d_" + r.name(), List.of(pos, dy, zero));
                    }
                } else if (layer instanceof Layer.MaxPool p && p.kernel() == p.stride()) {
                    if (needDx) {
                        dx = maxPoolBackwardByMask(g, p, xin, out[i], dy, shapes.get(i), shapes.get(i + 1), zero);
                    }
                } else if (layer instanceof Layer.MaxPool p) {
                    if (needDx) {
                        String minus1 = g.int64s("m1", -1);
                        String flatIdx = g.op("Reshape", "idxf", List.of(saved.get(p.name() + ":idx"), minus1));
                        String flatDy = g.op("Reshape", "dyf", List.of(dy, minus1));
                        String size = g.op("Reshape", "size", List.of(g.op("Size", "n", List.of(xin)), g.int64s("one", 1)));
                        String zeros = g.op("ConstantOfShape", "zeros", List.of(size));
                        String scattered = g.op("ScatterElements", "unpool", List.of(zeros, flatIdx, flatDy),
                                intAttr("axis", 0), stringAttr("reduction", "add"));
                        dx = g.op("Reshape", "d_" + p.name(), List.of(scattered, g.op("Shape", "xs", List.of(xin))));
                    }
                } else if (layer instanceof Layer.AvgPool p) {
                    if (needDx) {
                        int[] s = shapes.get(i);
                        int k = p.kernel();
                        float[] kernel = new float[s[0] * k * k];
                        java.util.Arrays.fill(kernel, 1f / (k * k));
                        String kname = g.fresh(p.name() + ".unpool_kernel");
                        g.floatInitializer(kname, new long[]{s[0], 1, k, k}, kernel);
                        int[] o = shapes.get(i + 1);
                        dx = g.op("ConvTranspose", "d_" + p.name(), List.of(dy, kname), intAttr("group", s[0]),
                                ints("kernel_shape", k, k), ints("strides", k, k),
                                ints("output_padding", s[1] - o[1] * k, s[2] - o[2] * k));
                    }
                } else if (layer instanceof Layer.GlobalAvgPool p) {
                    if (needDx) {
                        int[] s = shapes.get(i);
                        String scaled = g.op("Mul", "gapd", List.of(dy, g.scalar("inv_hw", 1f / (s[1] * s[2]))));
                        dx = g.op("Expand", "d_" + p.name(), List.of(scaled, g.op("Shape", "xs", List.of(xin))));
                    }
                } else if (layer instanceof Layer.Dropout d) {
                    if (needDx) {
                        dx = d.rate() > 0 ? g.op("Mul", "d_" + d.name(), List.of(dy, TrainingGraph.mask(d.name()))) : dy;
                    }
                } else if (layer instanceof Layer.Flatten f) {
                    if (needDx) {
                        dx = g.op("Reshape", "d_" + f.name(), List.of(dy, g.op("Shape", "xs", List.of(xin))));
                    }
                }
            }
            dy = dx;
        }

        g.output(LOSS, new long[]{});
        g.output(LOGITS, new long[]{-1, net.numClasses()});
        List<String> gradOutputs = new ArrayList<>();
        for (String w : weightInputs) {
            String gname = GRAD_PREFIX + w;
            if (!grads.contains(gname)) {
                throw new IllegalStateException("no gradient written for " + w);
            }
            g.output(gname, params.get(w).shape());
            gradOutputs.add(gname);
        }
        for (String o : outputs) {
            g.output(o, new long[]{shapes.get(indexOf(layers, o.substring(0, o.lastIndexOf('.'))))[0]});
        }
        Onnx.ModelProto model = g.model(Map.of(), "training step of " + net.arch() + ", batch norm " + bnMode);
        return new TrainingGraph(model, weightInputs, gradOutputs, masks, rates, bnTrain);
    }

    /**
     * dW[o, c, i, j] = sum over n, y, x of dY[n, o, y, x] * Xpad[n, c, y + i, x + j]: the k*k shifted windows of
     * the (padded) input are stacked into columns [N, C*k*k, P] and multiplied with dY [N, O, P] in one batched
     * MatMul, then summed over the batch. (A Conv with the batch as channels computes the same but runs as a
     * skinny GEMM with a huge kernel, several times slower on ONNX Runtime's CPU provider.)
     */
    private static String convWeightGradient(GraphWriter g, Layer.Conv c, String x, String dy, int[] in, int[] out,
                                             String gradName) {
        int k = c.kernel();
        int p = c.pad();
        String src = x;
        if (p > 0) {
            src = g.op("Pad", "xpad", List.of(x, g.int64s("pads", 0, 0, p, p, 0, 0, p, p)));
        }
        int oh = out[1];
        int ow = out[2];
        String cols;
        if (k == 1) {
            cols = src;
        } else {
            List<String> windows = new java.util.ArrayList<>();
            String axes = g.int64s("ax23", 2, 3);
            for (int i = 0; i < k; i++) {
                for (int j = 0; j < k; j++) {
                    windows.add(g.op("Slice", "win", List.of(src, g.int64s("starts", i, j),
                            g.int64s("ends", i + oh, j + ow), axes)));
                }
            }
            // [N, k*k*C, oh, ow] ordered (i, j, c); reordered to (c, i, j) below to match the weight layout
            cols = g.op("Concat", "cols", windows, intAttr("axis", 1));
        }
        String colsFlat = g.op("Reshape", "colsf", List.of(cols, g.int64s("shp", 0, (long) k * k * in[0], (long) oh * ow)));
        String dyFlat = g.op("Reshape", "dyf", List.of(dy, g.int64s("shp", 0, out[0], (long) oh * ow)));
        String colsT = g.op("Transpose", "colsT", List.of(colsFlat), ints("perm", 0, 2, 1));
        String perExample = g.op("MatMul", "dwn", List.of(dyFlat, colsT));
        String summed = g.op("ReduceSum", "dw", List.of(perExample, g.int64s("ax0", 0)), intAttr("keepdims", 0));
        // [O, (i, j, c)] -> [O, k, k, C] -> [O, C, k, k]
        String r = g.op("Reshape", "dwr", List.of(summed, g.int64s("shp", out[0], k, k, in[0])));
        return g.node("Transpose", List.of(r), gradName, ints("perm", 0, 3, 1, 2));
    }

    /**
     * MaxPool gradient for non-overlapping windows (kernel = stride): the pooled maxima are broadcast back over
     * their windows, compared with the input, and the incoming gradient is routed to the positions that equal
     * the maximum. Rows and columns that floor division left out of every window get zero. (Exact ties inside a
     * window would each receive the gradient; with real-valued activations they do not occur, and after a ReLU
     * the tied zeros get no gradient anyway.)
     */
    private static String maxPoolBackwardByMask(GraphWriter g, Layer.MaxPool p, String x, String y, String dy,
                                                int[] in, int[] out, String zero) {
        int k = p.kernel();
        int oh = out[1];
        int ow = out[2];
        // Nearest-neighbour Resize by k replicates each pooled value over its window (ONNX Runtime's 6-D Expand,
        // the other obvious way, is an order of magnitude slower).
        String scales = g.floats("scales", 1f, 1f, k, k);
        String yUp = g.op("Resize", "yup", List.of(y, "", scales), stringAttr("mode", "nearest"),
                stringAttr("coordinate_transformation_mode", "asymmetric"), stringAttr("nearest_mode", "floor"));
        String dyUp = g.op("Resize", "dyup", List.of(dy, "", scales), stringAttr("mode", "nearest"),
                stringAttr("coordinate_transformation_mode", "asymmetric"), stringAttr("nearest_mode", "floor"));
        String xc = x;
        boolean cropped = in[1] != oh * k || in[2] != ow * k;
        if (cropped) {
            xc = g.op("Slice", "xcrop", List.of(x, g.int64s("starts", 0, 0), g.int64s("ends", (long) oh * k, (long) ow * k),
                    g.int64s("ax23", 2, 3)));
        }
        String routed = g.op("Where", "mpd", List.of(g.op("Equal", "ismax", List.of(xc, yUp)), dyUp, zero));
        if (!cropped) {
            return routed;
        }
        return g.op("Pad", "d_" + p.name(), List.of(routed,
                g.int64s("pads", 0, 0, 0, 0, 0, 0, in[1] - (long) oh * k, in[2] - (long) ow * k)));
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
