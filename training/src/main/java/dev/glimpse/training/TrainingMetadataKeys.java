package dev.glimpse.training;

import java.util.List;

/**
 * Metadata keys that only training reads and writes, next to the shared ones in
 * {@link dev.glimpse.runtime.ModelMetadataKeys} (labels, colour, size, mean/std, version, parent, window, metrics,
 * embedding). Values are strings; maps are JSON.
 */
public final class TrainingMetadataKeys {

    private TrainingMetadataKeys() {
    }

    /** Layer list of the network in {@code Network.spec()} form, e.g. {@code conv:10:3,maxpool:2:2,...,fc:10}; needed to fine-tune. */
    public static final String ARCHITECTURE = "glimpse.training.architecture";

    /** Architecture name given to {@code --arch} ({@code seed}, {@code small}, or {@code custom}). */
    public static final String ARCH_NAME = "glimpse.training.arch";

    /** Hyper-parameters of the run that produced the weights, a JSON object (epochs, batch, lr, optimizer, ...). */
    public static final String HYPERPARAMETERS = "glimpse.training.hyperparameters";

    /** Seed of the run (initialisation, shuffling, augmentation, dropout). */
    public static final String SEED = "glimpse.training.seed";

    /** What the model was trained on, e.g. {@code fashion-mnist/train (60000 examples)}. */
    public static final String DATASET = "glimpse.training.dataset";

    /** The command line that produced the model. */
    public static final String COMMAND = "glimpse.training.command";

    /** How it was trained: {@code scratch} or a fine-tuning description such as {@code finetune freeze=all-but-head}. */
    public static final String MODE = "glimpse.training.mode";

    /** The model this one was fine-tuned from: {@code <name> v<version> sha256:<hex of the parent file>}. */
    public static final String PARENT = "glimpse.training.parent";

    public static final List<String> ALL = List.of(ARCHITECTURE, ARCH_NAME, HYPERPARAMETERS, SEED, DATASET, COMMAND, MODE,
            PARENT);
}
