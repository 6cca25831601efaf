package dev.glimpse.inference;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Models shipped inside this jar, used when no model made by {@code ./glimpse train} is present.
 * {@code fashion-mnist-mlp}: a 784-128-10 MLP trained for 3 epochs on Fashion-MNIST (test accuracy 0.858) by
 * {@code models/train_fashion_mnist_mlp.py} next to it.
 */
public final class BundledModels {

    public static final String FASHION_MNIST_MLP = "fashion-mnist-mlp.onnx";

    private BundledModels() {
    }

    /** Writes the bundled model to {@code dir/name} (replacing an older copy) and returns the path. */
    public static Path extract(String name, Path dir) {
        try (InputStream in = BundledModels.class.getResourceAsStream("models/" + name)) {
            if (in == null) {
                throw new IllegalArgumentException("no bundled model named '" + name + "'");
            }
            Files.createDirectories(dir);
            Path target = dir.resolve(name);
            Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot extract bundled model '" + name + "' to '" + dir + "'", e);
        }
    }
}
