package dev.glimpse.training;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.glimpse.datasets.Dataset;
import dev.glimpse.datasets.LabeledImage;
import dev.glimpse.training.graph.NetworkGraphs;
import dev.glimpse.training.graph.NetworkGraphs.BatchNormMode;
import dev.glimpse.training.model.Layer;
import dev.glimpse.training.model.Network;
import dev.glimpse.training.model.ParamTensor;
import dev.glimpse.training.model.Parameters;
import dev.glimpse.training.optim.LearningRateSchedule;
import dev.glimpse.training.optim.Optimizer;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Mini-batch training on ONNX Runtime: each step is one {@code OrtSession.run} of the training-step graph
 * (forward, loss, gradients); the optimizer then updates the weights in Java. Shuffles every epoch with a
 * seeded permutation, drops the last incomplete batch, augments (shift, flip), validates after every epoch.
 */
public final class Trainer {

    public record EpochStats(int epoch, double trainLoss, double trainAccuracy, double validationAccuracy,
                             double seconds, double examplesPerSecond) {
    }

    public record Report(List<EpochStats> epochs, Evaluation validation, double trainSeconds, double examplesPerSecond) {
    }

    private final TrainingConfig config;
    private final PrintStream log;

    public Trainer(TrainingConfig config, PrintStream log) {
        this.config = config;
        this.log = log;
    }

    /**
     * Trains {@code params} in place.
     *
     * @param trainable weights that get gradients and updates; all others stay bit-identical
     * @param lrScale   learning-rate multiplier per weight name (parameter groups); missing = 1
     */
    public Report fit(Network net, Parameters params, Dataset train, Dataset validation, Normalization norm,
                      Set<String> trainable, Map<String, Double> lrScale) throws OrtException {
        if (train.channels() != net.channels() || train.height() != net.height() || train.width() != net.width()) {
            throw new IllegalArgumentException("dataset " + train.name() + " is " + train.channels() + "x" + train.height()
                    + "x" + train.width() + " but the network takes " + net.channels() + "x" + net.height() + "x" + net.width());
        }
        if (train.numClasses() > net.numClasses()) {
            throw new IllegalArgumentException("dataset has " + train.numClasses() + " classes but the network outputs "
                    + net.numClasses());
        }
        int batch = config.batchSize();
        int stepsPerEpoch = train.size() / batch;
        if (stepsPerEpoch == 0) {
            throw new IllegalArgumentException("--batch " + batch + " is larger than the " + train.size() + " training examples");
        }
        long totalSteps = (long) stepsPerEpoch * config.epochs();
        LearningRateSchedule schedule = LearningRateSchedule.parse(config.schedule(), config.learningRate(), totalSteps,
                Math.round(config.warmupEpochs() * stepsPerEpoch));
        Optimizer optimizer = Optimizer.create(config.optimizer(), config.momentum(), config.weightDecay());
        int k = net.numClasses();
        int per = net.channels() * net.height() * net.width();
        float[] input = new float[batch * per];
        float[] target = new float[batch * k];
        int[] labels = new int[batch];
        SplittableRandom rng = new SplittableRandom(config.seed());
        ProgressBar bar = new ProgressBar(log, config.progress());
        List<EpochStats> stats = new ArrayList<>();
        Evaluation last = null;
        long trainNanos = 0;
        long step = 0;
        float offValue = (float) (config.labelSmoothing() / k);
        float onValue = (float) (1 - config.labelSmoothing()) + offValue;
        log.printf(Locale.ROOT, "training %s (%,d weights, %d trainable tensors) on %s: %,d examples, %d steps/epoch, %s, %s, batch norm %s%n",
                net.arch(), params.count(), trainable.size(), train.name(), train.size(), stepsPerEpoch,
                optimizer.describe(), schedule.describe(), config.batchNorm().name().toLowerCase(Locale.ROOT));
        try (TrainingStep trainingStep = new TrainingStep(net, params, trainable, config.batchNorm(), config.threads())) {
            Map<String, float[]> masks = new HashMap<>();
            trainingStep.graph().dropoutMasks().forEach((name, shape) -> masks.put(name, new float[batch * product(shape)]));
            Map<String, Layer.BatchNorm> bnLayers = new HashMap<>();
            for (Layer l : net.layers()) {
                if (l instanceof Layer.BatchNorm b) {
                    bnLayers.put(b.name(), b);
                }
            }
            List<int[]> shapes = net.shapes();
            for (int epoch = 1; epoch <= config.epochs(); epoch++) {
                int[] order = permutation(train.size(), rng);
                double lossSum = 0;
                long correct = 0;
                long epochStart = System.nanoTime();
                for (int s = 0; s < stepsPerEpoch; s++) {
                    java.util.Arrays.fill(target, offValue);
                    for (int i = 0; i < batch; i++) {
                        LabeledImage img = train.get(order[s * batch + i]);
                        int dx = config.maxShift() == 0 ? 0 : rng.nextInt(2 * config.maxShift() + 1) - config.maxShift();
                        int dy = config.maxShift() == 0 ? 0 : rng.nextInt(2 * config.maxShift() + 1) - config.maxShift();
                        boolean flip = config.flip() && rng.nextBoolean();
                        norm.write(img, input, i * per, dx, dy, flip);
                        labels[i] = img.label();
                        target[i * k + img.label()] = onValue;
                    }
                    for (Map.Entry<String, float[]> m : masks.entrySet()) {
                        float keep = 1f - trainingStep.graph().dropoutRates().get(m.getKey());
                        float scale = 1f / keep;
                        float[] mask = m.getValue();
                        for (int i = 0; i < mask.length; i++) {
                            mask[i] = rng.nextFloat() < keep ? scale : 0f;
                        }
                    }
                    TrainingStep.Result r = trainingStep.run(input, batch, target, masks, params);
                    double lr = schedule.rate(step);
                    for (String w : trainingStep.weightInputs()) {
                        ParamTensor t = params.get(w);
                        optimizer.update(w, t.shape().length, t.data(), r.gradients().get(w), lr * lrScale.getOrDefault(w, 1.0));
                    }
                    for (String bn : trainingStep.graph().batchNormLayers()) {
                        updateRunningStats(params, bnLayers.get(bn), r.batchMeans().get(bn), r.batchVars().get(bn),
                                batch * spatial(shapes, net, bn));
                    }
                    lossSum += r.loss();
                    correct += countCorrect(r.logits(), labels, batch, k);
                    step++;
                    double elapsed = (System.nanoTime() - epochStart) / 1e9;
                    long done = (long) (s + 1) * batch;
                    double rate = done / Math.max(1e-9, elapsed);
                    double remaining = ((long) stepsPerEpoch * batch - done) / rate
                            + (config.epochs() - epoch) * (long) stepsPerEpoch * batch / rate;
                    bar.update(epoch, config.epochs(), done, (long) stepsPerEpoch * batch, rate, lossSum / (s + 1), remaining,
                            s == stepsPerEpoch - 1);
                }
                long nanos = System.nanoTime() - epochStart;
                trainNanos += nanos;
                double seconds = nanos / 1e9;
                long seen = (long) stepsPerEpoch * batch;
                double valAcc = Double.NaN;
                if (validation != null && validation.size() > 0) {
                    last = evaluate(net, params, validation, norm, train.classNames());
                    valAcc = last.accuracy();
                }
                EpochStats es = new EpochStats(epoch, lossSum / stepsPerEpoch, correct / (double) seen, valAcc, seconds,
                        seen / seconds);
                stats.add(es);
                bar.finishLine(String.format(Locale.ROOT,
                        "epoch %d/%d  loss %.4f  train acc %.4f  validation acc %.4f  %.1f s  %,.0f ex/s",
                        epoch, config.epochs(), es.trainLoss(), es.trainAccuracy(), valAcc, seconds, es.examplesPerSecond()));
            }
        }
        long totalSeen = (long) stepsPerEpoch * batch * config.epochs();
        return new Report(stats, last, trainNanos / 1e9, totalSeen / (trainNanos / 1e9));
    }

    /** Evaluates the current weights through the inference graph (dropout off, batch norm running statistics). */
    public Evaluation evaluate(Network net, Parameters params, Dataset data, Normalization norm, List<String> classNames)
            throws OrtException {
        byte[] model = NetworkGraphs.inference(net, params, Map.of()).toByteArray();
        List<String> names = new ArrayList<>(classNames);
        while (names.size() < net.numClasses()) {
            names.add(Integer.toString(names.size()));
        }
        try (OrtSession session = Evaluator.session(model, config.threads())) {
            return Evaluator.evaluate(session, data, norm, names, 256);
        }
    }

    /** PyTorch's rule: running = (1 - momentum) * running + momentum * batch, variance unbiased (M / (M - 1)). */
    private static void updateRunningStats(Parameters params, Layer.BatchNorm bn, float[] mean, float[] var, long m) {
        float[] rm = params.get(bn.name() + ".running_mean").data();
        float[] rv = params.get(bn.name() + ".running_var").data();
        float mom = bn.momentum();
        float unbias = m > 1 ? m / (float) (m - 1) : 1f;
        for (int c = 0; c < rm.length; c++) {
            rm[c] = (1 - mom) * rm[c] + mom * mean[c];
            rv[c] = (1 - mom) * rv[c] + mom * var[c] * unbias;
        }
    }

    private static int spatial(List<int[]> shapes, Network net, String layer) {
        for (int i = 0; i < net.layers().size(); i++) {
            if (net.layers().get(i).name().equals(layer)) {
                int[] s = shapes.get(i);
                return s[1] * s[2];
            }
        }
        throw new IllegalArgumentException(layer);
    }

    private static int countCorrect(float[] logits, int[] labels, int n, int k) {
        int correct = 0;
        for (int i = 0; i < n; i++) {
            int best = 0;
            for (int c = 1; c < k; c++) {
                if (logits[i * k + c] > logits[i * k + best]) {
                    best = c;
                }
            }
            correct += best == labels[i] ? 1 : 0;
        }
        return correct;
    }

    private static int[] permutation(int n, SplittableRandom rng) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    private static int product(int[] s) {
        int p = 1;
        for (int v : s) {
            p *= v;
        }
        return p;
    }
}
