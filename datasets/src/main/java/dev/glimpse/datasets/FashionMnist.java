package dev.glimpse.datasets;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Fashion-MNIST (Zalando): 60,000 training and 10,000 test 28x28 grayscale images of 10 clothing classes,
 * read from the IDX files the Debian package {@code dataset-fashion-mnist} installs.
 */
public final class FashionMnist {

    public static final Path DEFAULT_DIR = Path.of("/usr/share/datasets/fashion-mnist");
    public static final List<String> CLASS_NAMES = List.of(
            "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
            "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");
    public static final int SIZE = 28;

    private FashionMnist() {
    }

    /** True when the four IDX files are present in {@code dir} (gzip or plain). */
    public static boolean isAvailable(Path dir) {
        for (String prefix : List.of("train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")) {
            if (locate(dir, prefix) == null) {
                return false;
            }
        }
        return true;
    }

    public static boolean isAvailable() {
        return isAvailable(DEFAULT_DIR);
    }

    public static DatasetSplit load() throws IOException {
        return load(DEFAULT_DIR);
    }

    public static DatasetSplit load(Path dir) throws IOException {
        return new DatasetSplit(loadPart(dir, "train"), loadPart(dir, "t10k"));
    }

    /** Loads one part: {@code "train"} or {@code "t10k"} (test). */
    public static Dataset loadPart(Path dir, String part) throws IOException {
        Path images = require(dir, part + "-images-idx3-ubyte");
        Path labels = require(dir, part + "-labels-idx1-ubyte");
        return fromIdx("fashion-mnist/" + (part.equals("t10k") ? "test" : part), images, labels, CLASS_NAMES);
    }

    /** Builds a dataset from an IDX image file and an IDX label file with the given class names. */
    public static Dataset fromIdx(String name, Path imagesFile, Path labelsFile, List<String> classNames)
            throws IOException {
        IdxReader.IdxArray images = IdxReader.readImages(imagesFile);
        IdxReader.IdxArray labels = IdxReader.readLabels(labelsFile);
        int n = images.dim(0);
        int rows = images.dim(1);
        int cols = images.dim(2);
        if (labels.dim(0) != n) {
            throw new IdxFormatException(imagesFile + " holds " + n + " images but " + labelsFile + " holds "
                    + labels.dim(0) + " labels");
        }
        List<LabeledImage> out = new ArrayList<>(n);
        int pixels = rows * cols;
        for (int i = 0; i < n; i++) {
            int label = labels.data()[i] & 0xff;
            if (label >= classNames.size()) {
                throw new IdxFormatException(labelsFile + ": label " + label + " at index " + i
                        + " is outside the " + classNames.size() + " classes");
            }
            byte[] px = new byte[pixels];
            System.arraycopy(images.data(), i * pixels, px, 0, pixels);
            out.add(new LabeledImage(name + "/" + i, 1, rows, cols, px, label));
        }
        return new InMemoryDataset(name, out, classNames, 1, rows, cols);
    }

    private static Path require(Path dir, String prefix) throws IOException {
        Path p = locate(dir, prefix);
        if (p == null) {
            throw new FileNotFoundException("Fashion-MNIST file " + prefix + "(.gz) not found in " + dir
                    + " (install the Debian package dataset-fashion-mnist)");
        }
        return p;
    }

    private static Path locate(Path dir, String prefix) {
        for (String name : List.of(prefix + ".gz", prefix)) {
            Path p = dir.resolve(name);
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        return null;
    }
}
