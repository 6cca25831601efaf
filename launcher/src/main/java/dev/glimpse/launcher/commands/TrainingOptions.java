package dev.glimpse.launcher.commands;

import dev.glimpse.training.TrainingConfig;
import dev.glimpse.training.graph.NetworkGraphs.BatchNormMode;
import java.util.Locale;
import picocli.CommandLine.Option;

/** Hyper-parameter options shared by {@code train} and {@code finetune}. */
final class TrainingOptions {

    @Option(names = "--epochs", defaultValue = "5", description = "passes over the training set (default: ${DEFAULT-VALUE})")
    int epochs;

    @Option(names = "--batch", defaultValue = "64", description = "mini-batch size (default: ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--lr", defaultValue = "0.003", description = "base learning rate (default: ${DEFAULT-VALUE})")
    double lr;

    @Option(names = "--optimizer", defaultValue = "adam", description = "sgd, nesterov, adam or adamw (default: ${DEFAULT-VALUE})")
    String optimizer;

    @Option(names = "--momentum", defaultValue = "0.9", description = "SGD momentum (default: ${DEFAULT-VALUE})")
    double momentum;

    @Option(names = "--weight-decay", defaultValue = "0", description = "L2 (sgd, adam) or decoupled (adamw) weight decay (default: ${DEFAULT-VALUE})")
    double weightDecay;

    @Option(names = "--schedule", defaultValue = "cosine", description = "constant, step, step:EVERY_STEPS:GAMMA or cosine (default: ${DEFAULT-VALUE})")
    String schedule;

    @Option(names = "--warmup-epochs", defaultValue = "0", description = "linear learning-rate warm-up, in epochs (default: ${DEFAULT-VALUE})")
    double warmupEpochs;

    @Option(names = "--label-smoothing", defaultValue = "0", description = "label smoothing of the cross-entropy targets (default: ${DEFAULT-VALUE})")
    double labelSmoothing;

    @Option(names = "--seed", defaultValue = "1", description = "seed for initialisation, shuffling, augmentation, dropout (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--shift", defaultValue = "0", description = "random shift augmentation, max pixels (0 = off; default: ${DEFAULT-VALUE})")
    int shift;

    @Option(names = "--flip", description = "random horizontal flip augmentation")
    boolean flip;

    @Option(names = "--batch-norm", defaultValue = "train", description = "train (batch statistics, running stats updated) or frozen (running stats) (default: ${DEFAULT-VALUE})")
    String batchNorm;

    @Option(names = "--threads", defaultValue = "0", description = "ONNX Runtime intra-op threads (0 = ONNX Runtime's default)")
    int threads;

    @Option(names = "--no-progress", description = "no progress bar on stderr")
    boolean noProgress;

    TrainingConfig config() {
        BatchNormMode bn = switch (batchNorm.toLowerCase(Locale.ROOT)) {
            case "train" -> BatchNormMode.TRAIN;
            case "frozen" -> BatchNormMode.FROZEN;
            default -> throw new IllegalArgumentException("--batch-norm must be train or frozen, got '" + batchNorm + "'");
        };
        return new TrainingConfig(epochs, batch, lr, optimizer, momentum, weightDecay, schedule, warmupEpochs,
                labelSmoothing, seed, shift, flip, bn, threads, !noProgress);
    }
}
