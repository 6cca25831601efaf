package dev.glimpse.training;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.glimpse.training.graph.NetworkGraphs;
import dev.glimpse.training.model.Layer;
import dev.glimpse.training.model.Network;
import dev.glimpse.training.model.ParamTensor;
import dev.glimpse.training.model.Parameters;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * A network made by {@code ./glimpse train} under training: its training-form step graph ({@link TrainingStep}:
 * batch statistics, dropout with masks drawn here), and after each step the batch-norm running statistics updated
 * from the batch the way PyTorch does.
 */
public final class NetworkTraining implements TrainableModel {

    private final Network net;
    private final Parameters params;
    private final TrainingConfig config;
    private final TrainingStep step;
    private final Map<String, float[]> masks = new HashMap<>();
    private final Map<String, Layer.BatchNorm> bnLayers = new HashMap<>();
    private final List<int[]> shapes;
    private final int trainableCount;

    /** @param trainable weights that get gradients and updates (trained in place in {@code params}) */
    public NetworkTraining(Network net, Parameters params, Set<String> trainable, TrainingConfig config) throws OrtException {
        this.net = net;
        this.params = params;
        this.config = config;
        this.step = new TrainingStep(net, params, trainable, config.batchNorm(), config.threads());
        this.trainableCount = trainable.size();
        for (Layer l : net.layers()) {
            if (l instanceof Layer.BatchNorm b) {
                bnLayers.put(b.name(), b);
            }
        }
        this.shapes = net.shapes();
    }

    @Override
    public String describe() {
        return String.format(Locale.ROOT, "%s (%,d weights, %d trainable tensors), batch norm %s", net.arch(),
                params.count(), trainableCount, config.batchNorm().name().toLowerCase(Locale.ROOT));
    }

    @Override
    public int numClasses() {
        return net.numClasses();
    }

    @Override
    public int[] sampleShape() {
        return new int[] {net.channels(), net.height(), net.width()};
    }

    @Override
    public List<String> trainable() {
        return step.weightInputs();
    }

    @Override
    public float[] weights(String name) {
        return params.get(name).data();
    }

    @Override
    public int rank(String name) {
        return params.get(name).shape().length;
    }

    @Override
    public StepResult step(float[] input, int n, float[] target, SplittableRandom rng) throws OrtException {
        for (Map.Entry<String, int[]> m : step.graph().dropoutMasks().entrySet()) {
            float keep = 1f - step.graph().dropoutRates().get(m.getKey());
            float scale = 1f / keep;
            float[] mask = masks.computeIfAbsent(m.getKey(), k -> new float[0]);
            int size = n * product(m.getValue());
            if (mask.length < size) {
                mask = new float[size];
                masks.put(m.getKey(), mask);
            }
            for (int i = 0; i < size; i++) {
                mask[i] = rng.nextFloat() < keep ? scale : 0f;
            }
        }
        TrainingStep.Result r = step.run(input, n, target, masks, params);
        for (String bn : step.graph().batchNormLayers()) {
            updateRunningStats(bnLayers.get(bn), r.batchMeans().get(bn), r.batchVars().get(bn),
                    (long) n * spatial(bn));
        }
        return new StepResult(r.loss(), r.logits(), r.gradients());
    }

    @Override
    public Evaluation evaluate(Examples data, List<String> classNames) throws OrtException {
        return evaluate(net, params, data, classNames, config.threads());
    }

    /** Evaluates weights through the inference graph (dropout off, batch norm running statistics). */
    public static Evaluation evaluate(Network net, Parameters params, Examples data, List<String> classNames, int threads)
            throws OrtException {
        byte[] model = NetworkGraphs.inference(net, params, Map.of()).toByteArray();
        List<String> names = new ArrayList<>(classNames);
        while (names.size() < net.numClasses()) {
            names.add(Integer.toString(names.size()));
        }
        try (OrtSession session = Evaluator.session(model, threads)) {
            return Evaluator.evaluate(session, data, names, 256);
        }
    }

    /** PyTorch's rule: running = (1 - momentum) * running + momentum * batch, variance unbiased (M / (M - 1)). */
    private void updateRunningStats(Layer.BatchNorm bn, float[] mean, float[] var, long m) {
        float[] rm = params.get(bn.name() + ".running_mean").data();
        float[] rv = params.get(bn.name() + ".running_var").data();
        float mom = bn.momentum();
        float unbias = m > 1 ? m / (float) (m - 1) : 1f;
        for (int c = 0; c < rm.length; c++) {
            rm[c] = (1 - mom) * rm[c] + mom * mean[c];
            rv[c] = (1 - mom) * rv[c] + mom * var[c] * unbias;
        }
    }

    private int spatial(String layer) {
        for (int i = 0; i < net.layers().size(); i++) {
            if (net.layers().get(i).name().equals(layer)) {
                int[] s = shapes.get(i);
                return s[1] * s[2];
            }
        }
        throw new IllegalArgumentException(layer);
    }

    private static int product(int[] s) {
        int p = 1;
        for (int v : s) {
            p *= v;
        }
        return p;
    }

    @Override
    public void close() throws OrtException {
        step.close();
    }
}
