package dev.glimpse.launcher.demo;

import dev.glimpse.inference.BundledModels;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Which model a command serves when {@code --model} is not given: {@code models/<dataset>/model.onnx} under the
 * working directory (what {@code ./glimpse train} writes), else, for Fashion-MNIST, the trained MLP bundled in the
 * inference-worker jar (extracted under the data directory).
 */
public final class DefaultModels {

    public static final Path MODELS_ROOT = Path.of("models");

    private DefaultModels() {
    }

    /** The model file for {@code dataset}; {@code explicit} wins when given. */
    public static Path resolve(Path explicit, String dataset, Path dataDir) {
        if (explicit != null) {
            if (!Files.isRegularFile(explicit)) {
                throw new IllegalArgumentException("--model '" + explicit + "' does not exist or is not a file");
            }
            return explicit;
        }
        Path trained = MODELS_ROOT.resolve(dataset).resolve("model.onnx");
        if (Files.isRegularFile(trained)) {
            return trained;
        }
        if (dataset.equals("fashion-mnist")) {
            return BundledModels.extract(BundledModels.FASHION_MNIST_MLP, dataDir.resolve("models"));
        }
        throw new IllegalArgumentException("no model for dataset '" + dataset + "': " + trained + " does not exist. "
                + "Train one with ./glimpse train --dataset " + dataset + " --out " + trained + " or pass --model M.onnx");
    }

    /** A short description of where the model came from, for logs and summaries. */
    public static String describe(Path model) {
        return model.toString().contains(BundledModels.FASHION_MNIST_MLP)
                ? model + " (bundled fallback: 784-128-10 MLP trained on Fashion-MNIST)" : model.toString();
    }
}
