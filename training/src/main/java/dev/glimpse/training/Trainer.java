package dev.glimpse.training;

import ai.onnxruntime.OrtException;
import dev.glimpse.datasets.Dataset;
import dev.glimpse.training.model.Network;
import dev.glimpse.training.model.Parameters;
import dev.glimpse.training.optim.LearningRateSchedule;
import dev.glimpse.training.optim.Optimizer;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Mini-batch training on ONNX Runtime, the one loop for every {@link TrainableModel}: each step is one
 * {@code OrtSession.run} of the model's training-step graph (forward, loss, gradients); the optimizer then updates
 * the weights in Java. Shuffles every epoch with a seeded permutation, keeps the last incomplete batch (unless it
 * is a single example), augments
 * (shift, flip), and after every epoch measures accuracy on the validation examples (held out from the training
 * data: the test split is for the final report only).
 */
public final class Trainer {

    public record EpochStats(int epoch, double trainLoss, double trainAccuracy, double validationAccuracy,
                             double seconds, double examplesPerSecond) {
    }

    /** @param validation the last epoch's validation result, null when there were no validation examples */
    public record Report(List<EpochStats> epochs, Evaluation validation, double trainSeconds, double examplesPerSecond) {
    }

    private final TrainingConfig config;
    private final PrintStream log;

    public Trainer(TrainingConfig config, PrintStream log) {
        this.config = config;
        this.log = log;
    }

    /**
     * Trains a network made by {@code ./glimpse train}, {@code params} in place.
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
        try (NetworkTraining model = new NetworkTraining(net, params, trainable, config)) {
            return fit(model, Examples.of(train, norm), validation == null ? null : Examples.of(validation, norm), lrScale);
        }
    }

    /**
     * Trains {@code model}'s trainable weights in place.
     *
     * @param validation examples measured after every epoch, or null
     * @param lrScale    learning-rate multiplier per weight name (parameter groups); missing = 1
     */
    public Report fit(TrainableModel model, Examples train, Examples validation, Map<String, Double> lrScale)
            throws OrtException {
        if (!Arrays.equals(train.sampleShape(), model.sampleShape())) {
            throw new IllegalArgumentException("examples of " + train.name() + " are " + Arrays.toString(train.sampleShape())
                    + " but the model takes " + Arrays.toString(model.sampleShape()));
        }
        if (train.classNames().size() > model.numClasses()) {
            throw new IllegalArgumentException("dataset has " + train.classNames().size() + " classes but the model outputs "
                    + model.numClasses());
        }
        if (train.size() < 2) {
            throw new IllegalArgumentException("training needs at least 2 examples, " + train.name() + " has " + train.size());
        }
        // a small folder under the default batch trains on all of it each step rather than refusing
        int batch = Math.min(config.batchSize(), train.size());
        int stepsPerEpoch = stepsPerEpoch(train.size(), batch);
        long seen = seenPerEpoch(train.size(), batch);
        long totalSteps = (long) stepsPerEpoch * config.epochs();
        LearningRateSchedule schedule = LearningRateSchedule.parse(config.schedule(), config.learningRate(), totalSteps,
                Math.round(config.warmupEpochs() * stepsPerEpoch));
        Optimizer optimizer = Optimizer.create(config.optimizer(), config.momentum(), config.weightDecay());
        int k = model.numClasses();
        int per = train.sampleSize();
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
        log.printf(Locale.ROOT, "training %s on %s: %,d examples, batch %d, %d steps/epoch, validation %s, %s, %s%n",
                model.describe(), train.name(), train.size(), batch, stepsPerEpoch,
                validation == null ? "none" : String.format(Locale.ROOT, "%,d examples", validation.size()),
                optimizer.describe(), schedule.describe());
        for (int epoch = 1; epoch <= config.epochs(); epoch++) {
            int[] order = permutation(train.size(), rng);
            double lossSum = 0;
            long correct = 0;
            long epochStart = System.nanoTime();
            for (int s = 0; s < stepsPerEpoch; s++) {
                int n = (int) Math.min(batch, seen - (long) s * batch);
                Arrays.fill(target, offValue);
                for (int i = 0; i < n; i++) {
                    int index = order[s * batch + i];
                    int dx = config.maxShift() == 0 ? 0 : rng.nextInt(2 * config.maxShift() + 1) - config.maxShift();
                    int dy = config.maxShift() == 0 ? 0 : rng.nextInt(2 * config.maxShift() + 1) - config.maxShift();
                    boolean flip = config.flip() && rng.nextBoolean();
                    train.write(index, input, i * per, new Augmentation(dx, dy, flip));
                    labels[i] = train.label(index);
                    target[i * k + labels[i]] = onValue;
                }
                TrainableModel.StepResult r = model.step(input, n, target, rng);
                double lr = schedule.rate(step);
                for (String w : model.trainable()) {
                    optimizer.update(w, model.rank(w), model.weights(w), r.gradients().get(w),
                            lr * lrScale.getOrDefault(w, 1.0));
                }
                lossSum += r.loss();
                correct += countCorrect(r.logits(), labels, n, k);
                step++;
                double elapsed = (System.nanoTime() - epochStart) / 1e9;
                long done = (long) s * batch + n;
                double rate = done / Math.max(1e-9, elapsed);
                double remaining = (seen - done) / rate + (config.epochs() - epoch) * seen / rate;
                bar.update(epoch, config.epochs(), done, seen, rate, lossSum / (s + 1), remaining,
                        s == stepsPerEpoch - 1);
            }
            long nanos = System.nanoTime() - epochStart;
            trainNanos += nanos;
            double seconds = nanos / 1e9;
            double valAcc = Double.NaN;
            if (validation != null && validation.size() > 0) {
                last = model.evaluate(validation, train.classNames());
                valAcc = last.accuracy();
            }
            EpochStats es = new EpochStats(epoch, lossSum / stepsPerEpoch, correct / (double) seen, valAcc, seconds,
                    seen / seconds);
            stats.add(es);
            bar.finishLine(String.format(Locale.ROOT,
                    "epoch %d/%d  loss %.4f  train acc %.4f  validation acc %.4f  %.1f s  %,.0f ex/s",
                    epoch, config.epochs(), es.trainLoss(), es.trainAccuracy(), valAcc, seconds, es.examplesPerSecond()));
        }
        long totalSeen = seen * config.epochs();
        return new Report(stats, last, trainNanos / 1e9, totalSeen / (trainNanos / 1e9));
    }

    /**
     * Steps of one epoch: full batches, plus the last partial batch when it has at least two examples (a single
     * example has no batch statistics). Dropping every partial batch left a 20-image folder 2 steps an epoch.
     */
    static int stepsPerEpoch(int examples, int batch) {
        return examples / batch + (examples % batch >= 2 ? 1 : 0);
    }

    /** Examples trained on per epoch: all but a last partial batch of one. */
    static long seenPerEpoch(int examples, int batch) {
        return examples % batch >= 2 ? examples : (long) examples / batch * batch;
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
}
