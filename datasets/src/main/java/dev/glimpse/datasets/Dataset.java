package dev.glimpse.datasets;

import java.util.Set;
import java.util.List;

/**
 * A finite, indexable set of labeled images of one shape (channels x height x width) with named classes.
 * Implementations may generate examples on demand; {@link #get(int)} must return the same example for the
 * same index every time.
 */
public interface Dataset {

    /** Short name, e.g. "fashion-mnist/train". */
    String name();

    int size();

    LabeledImage get(int index);

    List<String> classNames();

    int channels();

    int height();

    int width();

    default int numClasses() {
        return classNames().size();
    }

    /** "gray" or "rgb", the colour vocabulary of the model metadata. */
    default String colour() {
        return channels() == 1 ? "gray" : "rgb";
    }

    /** A view of examples [from, to). */
    default Dataset slice(int from, int to) {
        return SubsetDataset.range(this, from, to);
    }

    /** Only the examples of classes 0..k-1, as a k-class dataset (e.g. to pre-train on part of the classes). */
    default Dataset firstClasses(int k) {
        return SubsetDataset.firstClasses(this, k);
    }

    /** Only the examples whose label is in {@code labels}, in their original order. */
    default Dataset withLabels(Set<Integer> labels) {
        return SubsetDataset.withLabels(this, labels);
    }
}
