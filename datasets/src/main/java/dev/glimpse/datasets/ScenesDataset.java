package dev.glimpse.datasets;

import java.util.List;

/** {@code count} rendered RGB scenes ({@link ScenesGenerator}) made on demand, nothing stored. */
public final class ScenesDataset implements Dataset {

    /** The name {@code --dataset} uses. */
    public static final String NAME = "scenes";
    public static final long DEFAULT_SEED = 7L;
    public static final int DEFAULT_TRAIN = 10_000;
    public static final int DEFAULT_TEST = 2_000;

    private final ScenesGenerator generator;
    private final int count;
    private final String name;

    public ScenesDataset(ScenesGenerator generator, int count, String name) {
        if (count < 0) {
            throw new IllegalArgumentException("scenes count must be >= 0, got " + count);
        }
        this.generator = generator;
        this.count = count;
        this.name = name;
    }

    /** The default scenes (64x64 RGB, 5 classes, seed 7): train and test come from different seeds. */
    public static DatasetSplit split() {
        return split(ScenesGenerator.DEFAULT_SIZE, ScenesGenerator.DEFAULT_CLASSES, DEFAULT_SEED, DEFAULT_TRAIN, DEFAULT_TEST);
    }

    public static DatasetSplit split(int size, int classes, long seed, int trainCount, int testCount) {
        return new DatasetSplit(
                new ScenesDataset(new ScenesGenerator(size, classes, seed), trainCount, NAME + "/train"),
                new ScenesDataset(new ScenesGenerator(size, classes, seed ^ 0x7E57_5E7L), testCount, NAME + "/test"));
    }

    public ScenesGenerator generator() {
        return generator;
    }

    @Override public String name() { return name; }
    @Override public int size() { return count; }

    @Override
    public LabeledImage get(int index) {
        if (index < 0 || index >= count) {
            throw new IndexOutOfBoundsException("index " + index + " outside scenes dataset of size " + count);
        }
        return generator.generate(index);
    }

    @Override public List<String> classNames() { return generator.classNames(); }
    @Override public int channels() { return 3; }
    @Override public int height() { return generator.size(); }
    @Override public int width() { return generator.size(); }
}
