package dev.glimpse.datasets;

import java.awt.Image;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * Images in class folders: {@code DIR/<class>/*.png|jpg}. Class names are the folder names in sorted order;
 * every image is converted to the requested channels and resized to the requested size.
 * With {@code DIR/train/<class>} and {@code DIR/test/<class>} the two parts are used as the split.
 */
public final class ImageFolderDataset {

    private ImageFolderDataset() {
    }

    public static DatasetSplit load(Path dir, int channels, int size, double testFraction, long seed) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new java.io.FileNotFoundException("dataset directory not found: " + dir);
        }
        if (ImageFolder.hasTrainTestParts(dir)) {
            Dataset train = loadFolder(dir.resolve("train"), channels, size, null);
            Dataset test = loadFolder(dir.resolve("test"), channels, size, train.classNames());
            return new DatasetSplit(train, test);
        }
        Dataset all = loadFolder(dir, channels, size, null);
        // Deterministic shuffled split so test examples are spread over all classes.
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < all.size(); i++) {
            order.add(i);
        }
        java.util.Collections.shuffle(order, new java.util.Random(seed));
        int nTest = (int) Math.round(all.size() * testFraction);
        List<LabeledImage> test = new ArrayList<>();
        List<LabeledImage> train = new ArrayList<>();
        for (int i = 0; i < order.size(); i++) {
            (i < nTest ? test : train).add(all.get(order.get(i)));
        }
        return new DatasetSplit(
                new InMemoryDataset(dir.getFileName() + "/train", train, all.classNames(), channels, size, size),
                new InMemoryDataset(dir.getFileName() + "/test", test, all.classNames(), channels, size, size));
    }

    static Dataset loadFolder(Path dir, int channels, int size, List<String> expectedClasses) throws IOException {
        ImageFolder folder = ImageFolder.scan(dir, expectedClasses);
        List<LabeledImage> images = new ArrayList<>();
        for (ImageFolder.ImageFile f : folder.files()) {
            BufferedImage img = ImageIO.read(f.path().toFile());
            if (img == null) {
                throw new IOException("cannot decode image " + f.path());
            }
            images.add(PngCodec.fromBufferedImage(f.id(), resize(img, size), channels, f.label()));
        }
        return new InMemoryDataset(dir.getFileName().toString(), images, folder.classNames(), channels, size, size);
    }

    private static BufferedImage resize(BufferedImage img, int size) {
        if (img.getWidth() == size && img.getHeight() == size) {
            return img;
        }
        BufferedImage out = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
        out.getGraphics().drawImage(img.getScaledInstance(size, size, Image.SCALE_SMOOTH), 0, 0, null);
        return out;
    }
}
