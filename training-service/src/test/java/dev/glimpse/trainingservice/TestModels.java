package dev.glimpse.trainingservice;

import dev.glimpse.datasets.Dataset;
import dev.glimpse.datasets.DatasetSplit;
import dev.glimpse.datasets.FashionMnist;
import dev.glimpse.datasets.LabeledImage;
import dev.glimpse.training.TrainingConfig;
import dev.glimpse.training.TrainingJob;
import dev.glimpse.training.ModelFile;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Real models for the service tests, made by the training module: a small MLP trained only on Fashion-MNIST
 * classes 0-4 (so it cannot answer 5-9), built once per test JVM.
 */
final class TestModels {
    /** 784 -> 64 -> 10: small enough to train in about a second, big enough to learn all ten classes. */
    static final String ARCH = "flatten,fc:64,relu,fc:10";
    private static Path firstFive;
    private static Dataset fashionTest;
    private static Dataset fashionTrain;

    private TestModels() {
    }

    static boolean fashionAvailable() {
        return FashionMnist.isAvailable();
    }

    /** Fashion-MNIST's 10,000 test images (the tests take disjoint slices for training, holdout and streams). */
    static synchronized Dataset fashion() {
        if (fashionTest == null) {
            try {
                fashionTest = FashionMnist.loadPart(FashionMnist.DEFAULT_DIR, "t10k");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return fashionTest;
    }

    /** Fashion-MNIST's 60,000 training images: fresh images no test model has seen. */
    static synchronized Dataset fashionTrain() {
        if (fashionTrain == null) {
            try {
                fashionTrain = FashionMnist.loadPart(FashionMnist.DEFAULT_DIR, "train");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return fashionTrain;
    }

    /** Images [from, to) of the training part with ids "t-<index>". */
    static List<LabeledImage> freshImages(int from, int to) {
        List<LabeledImage> out = new ArrayList<>();
        for (int i = from; i < to; i++) {
            LabeledImage img = fashionTrain().get(i);
            out.add(new LabeledImage("t-" + i, img.channels(), img.height(), img.width(), img.pixels(), img.label()));
        }
        return out;
    }

    /** The model trained on classes 0-4 only (images 0..5999 of the test part), as an ONNX file. */
    static synchronized Path firstFiveClasses() throws Exception {
        if (firstFive == null) {
            Dataset all = fashion().slice(0, 6000);
            Dataset train = all.withLabels(Set.of(0, 1, 2, 3, 4));
            TrainingConfig config = TrainingConfig.defaults().withEpochs(3).withProgress(false).withAugmentation(0, false);
            TrainingJob.Result r = TrainingJob.train("fashion", new DatasetSplit(train, train.slice(0, 200)),
                    "fashion-mnist", ARCH, config, "v1", "TestModels", new PrintStream(OutputStream.nullOutputStream()));
            Path file = Files.createTempFile("glimpse-first-five-", ".onnx");
            file.toFile().deleteOnExit();
            ModelFile.write(file, r.model());
            firstFive = file;
        }
        return firstFive;
    }

    /** Images [from, to) of the Fashion-MNIST test part with ids "f-<index>". */
    static List<LabeledImage> images(int from, int to) {
        List<LabeledImage> out = new ArrayList<>();
        for (int i = from; i < to; i++) {
            LabeledImage img = fashion().get(i);
            out.add(new LabeledImage("f-" + i, img.channels(), img.height(), img.width(), img.pixels(), img.label()));
        }
        return out;
    }
}
