package dev.glimpse.launcher.commands;

import dev.glimpse.datasets.Dataset;
import dev.glimpse.datasets.DatasetSplit;
import dev.glimpse.datasets.Datasets;
import dev.glimpse.datasets.FashionMnist;
import dev.glimpse.datasets.ShapesConfig;
import dev.glimpse.datasets.Holdout;
import dev.glimpse.training.ImageFolderSplit;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Dataset selection shared by {@code train}, {@code finetune} and {@code evaluate}. */
final class TrainingDatasetOptions {

    @Option(names = "--dataset", description = "fashion-mnist, shapes, or a directory of class folders "
            + "(DIR/<class>/*.png, or DIR/train/<class> + DIR/test/<class>); default: fashion-mnist when installed, else shapes")
    String dataset;

    @Option(names = "--classes", description = "use only classes 0..K-1 of the dataset (e.g. to pre-train on part of the classes)")
    Integer classes;

    @Option(names = "--limit", description = "use only the first N training examples")
    Integer limit;

    @Option(names = "--test-limit", description = "use only the first N test examples")
    Integer testLimit;

    @Option(names = "--shapes-size", defaultValue = "32", description = "shapes: image size in pixels (default: ${DEFAULT-VALUE})")
    int shapesSize;

    @Option(names = "--shapes-colour", defaultValue = "gray", description = "shapes: gray or rgb (default: ${DEFAULT-VALUE})")
    String shapesColour;

    @Option(names = "--shapes-classes", defaultValue = "5", description = "shapes: number of shape classes, 2..6 (default: ${DEFAULT-VALUE})")
    int shapesClasses;

    @Option(names = "--shapes-train", defaultValue = "20000", description = "shapes: training examples (default: ${DEFAULT-VALUE})")
    int shapesTrain;

    @Option(names = "--shapes-test", defaultValue = "2000", description = "shapes: test examples (default: ${DEFAULT-VALUE})")
    int shapesTest;

    @Option(names = "--shapes-seed", defaultValue = "42", description = "shapes: generator seed (default: ${DEFAULT-VALUE})")
    long shapesSeed;

    @Option(names = "--validation-fraction", defaultValue = "0.1", description = "share of the training data held out "
            + "for the per-epoch validation, chosen by a hash of each example's id and --split-seed (default: ${DEFAULT-VALUE})")
    double validationFraction;

    @Option(names = "--test-fraction", defaultValue = "0.1", description = "image folders without train/ and test/ parts: "
            + "share of DIR/<class> held out as the test split (default: ${DEFAULT-VALUE})")
    double testFraction;

    @Option(names = "--split-seed", defaultValue = "1", description = "seed of the validation and test splits (default: ${DEFAULT-VALUE})")
    long splitSeed;

    /** The training examples held out for validation. */
    Holdout validation() {
        return new Holdout(validationFraction, splitSeed);
    }

    /** True when --dataset names a directory: models with a preprocessing contract then read its files as they are. */
    boolean isImageFolder() {
        return dataset != null && Files.isDirectory(Path.of(dataset));
    }

    /** The directory's train / validation / test parts (DIR/<class>/*.png|jpg, or DIR/train + DIR/test). */
    ImageFolderSplit openFolder() throws IOException {
        if (classes != null || limit != null || testLimit != null) {
            throw new IllegalArgumentException("--classes, --limit and --test-limit apply to fashion-mnist and shapes, "
                    + "not to an image folder read through the model's preprocessing");
        }
        return ImageFolderSplit.of(Path.of(dataset), testFraction, validationFraction, splitSeed);
    }

    String name() {
        if (dataset != null) {
            return dataset;
        }
        return FashionMnist.isAvailable() ? "fashion-mnist" : "shapes";
    }

    DatasetSplit open() throws IOException {
        if (!shapesColour.equals("gray") && !shapesColour.equals("rgb")) {
            throw new IllegalArgumentException("--shapes-colour must be gray or rgb, got '" + shapesColour + "'");
        }
        ShapesConfig shapes = new ShapesConfig(shapesSize, shapesColour.equals("gray") ? 1 : 3, shapesClasses, 0.08, shapesSeed);
        DatasetSplit split = Datasets.open(name(), shapes, shapesTrain, shapesTest);
        Dataset train = split.train();
        Dataset test = split.test();
        if (classes != null) {
            train = train.firstClasses(classes);
            test = test.firstClasses(classes);
        }
        if (limit != null) {
            train = train.slice(0, Math.min(limit, train.size()));
        }
        if (testLimit != null) {
            test = test.slice(0, Math.min(testLimit, test.size()));
        }
        return new DatasetSplit(train, test);
    }
}
