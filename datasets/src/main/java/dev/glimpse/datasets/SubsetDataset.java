package dev.glimpse.datasets;

import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;

/** A view of selected indices of another dataset. */
final class SubsetDataset implements Dataset {

    private final Dataset base;
    private final int[] indices;
    private final String name;
    private final List<String> classNames;

    private SubsetDataset(Dataset base, int[] indices, String name, List<String> classNames) {
        this.base = base;
        this.indices = indices;
        this.name = name;
        this.classNames = classNames;
    }

    private SubsetDataset(Dataset base, int[] indices, String name) {
        this(base, indices, name, base.classNames());
    }

    static Dataset range(Dataset base, int from, int to) {
        if (from < 0 || to > base.size() || from > to) {
            throw new IllegalArgumentException("slice [" + from + ", " + to + ") out of range for "
                    + base.name() + " of size " + base.size());
        }
        return new SubsetDataset(base, IntStream.range(from, to).toArray(), base.name() + "[" + from + ":" + to + "]");
    }

    static Dataset byId(Dataset base, java.util.function.Predicate<String> keep, String part) {
        int[] idx = IntStream.range(0, base.size()).filter(i -> keep.test(base.get(i).id())).toArray();
        return new SubsetDataset(base, idx, base.name() + "{" + part + "}");
    }

    static Dataset withLabels(Dataset base, Set<Integer> labels) {
        int[] idx = IntStream.range(0, base.size()).filter(i -> labels.contains(base.get(i).label())).toArray();
        return new SubsetDataset(base, idx, base.name() + "{labels " + labels + "}");
    }

    static Dataset firstClasses(Dataset base, int k) {
        if (k < 1 || k > base.numClasses()) {
            throw new IllegalArgumentException("class count must be in [1, " + base.numClasses() + "], got " + k);
        }
        int[] idx = IntStream.range(0, base.size()).filter(i -> base.get(i).label() < k).toArray();
        return new SubsetDataset(base, idx, base.name() + "{classes 0-" + (k - 1) + "}", base.classNames().subList(0, k));
    }

    @Override public String name() { return name; }
    @Override public int size() { return indices.length; }
    @Override public LabeledImage get(int index) { return base.get(indices[index]); }
    @Override public List<String> classNames() { return classNames; }
    @Override public int channels() { return base.channels(); }
    @Override public int height() { return base.height(); }
    @Override public int width() { return base.width(); }
}
