package dev.glimpse.datasets;

import java.nio.file.Files;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Opens a dataset by the name the command line uses: {@code fashion-mnist}, {@code shapes} (synthetic,
 * default config), {@code scenes} (rendered RGB scenes, {@link ScenesDataset}) or a directory of class folders.
 */
public final class Datasets {

    public static final int DEFAULT_SHAPES_TRAIN = 20_000;
    public static final int DEFAULT_SHAPES_TEST = 2_000;

    private Datasets() {
    }

    public static DatasetSplit open(String spec) throws IOException {
        return open(spec, ShapesConfig.DEFAULT, DEFAULT_SHAPES_TRAIN, DEFAULT_SHAPES_TEST);
    }

    public static DatasetSplit open(String spec, ShapesConfig shapes, int shapesTrain, int shapesTest) throws IOException {
        if (spec == null || spec.isBlank()) {
            throw new IllegalArgumentException("dataset must be fashion-mnist, shapes, scenes or a directory, got '" + spec + "'");
        }
        switch (spec) {
            case "fashion-mnist":
                return FashionMnist.load();
            case "shapes":
                return ShapesDataset.split(shapes, shapesTrain, shapesTest);
            case ScenesDataset.NAME:
                return ScenesDataset.split();
            default:
                Path dir = Path.of(spec);
                if (!Files.isDirectory(dir)) {
                    throw new IllegalArgumentException("dataset must be fashion-mnist, shapes, scenes or an existing directory, got '"
                            + spec + "'");
                }
                return ImageFolderDataset.load(dir, 1, 28, 0.1, 1L);
        }
    }
}
