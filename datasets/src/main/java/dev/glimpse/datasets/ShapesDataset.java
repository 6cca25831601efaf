package dev.glimpse.datasets;

import java.util.List;

/**
 * {@code count} synthetic shape images generated on demand (nothing is stored), starting at example
 * {@code offset} of the generator's stream.
 */
public final class ShapesDataset implements Dataset {

    private final ShapesGenerator generator;
    private final long offset;
    private final int count;
    private final String name;

    public ShapesDataset(ShapesConfig config, long offset, int count, String name) {
        if (count < 0) {
            throw new IllegalArgumentException("shapes count must be >= 0, got " + count);
        }
        this.generator = new ShapesGenerator(config);
        this.offset = offset;
        this.count = count;
        this.name = name;
    }

    /**
     * Train and test sets from one config: the test set uses a different seed, so no test image is a copy of
     * a training image.
     */
    public static DatasetSplit split(ShapesConfig config, int trainCount, int testCount) {
        return new DatasetSplit(
                new ShapesDataset(config, 0, trainCount, "shapes/train"),
                new ShapesDataset(config.withSeed(config.seed() ^ 0x7E57_5E7L), 0, testCount, "shapes/test"));
    }

    public ShapesGenerator generator() {
        return generator;
    }

    @Override public String name() { return name; }
    @Override public int size() { return count; }

    @Override
    public LabeledImage get(int index) {
        if (index < 0 || index >= count) {
            throw new IndexOutOfBoundsException("index " + index + " outside shapes dataset of size " + count);
        }
        return generator.generate(offset + index);
    }

    @Override public List<String> classNames() { return generator.classNames(); }
    @Override public int channels() { return generator.config().channels(); }
    @Override public int height() { return generator.config().size(); }
    @Override public int width() { return generator.config().size(); }
}
