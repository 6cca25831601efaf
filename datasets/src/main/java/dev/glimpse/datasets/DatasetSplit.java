package dev.glimpse.datasets;

import java.util.Objects;

/** A train/test pair over the same classes and image shape. */
public record DatasetSplit(Dataset train, Dataset test) {

    public DatasetSplit {
        Objects.requireNonNull(train, "train");
        Objects.requireNonNull(test, "test");
        if (!train.classNames().equals(test.classNames())) {
            throw new IllegalArgumentException("train and test class names differ: " + train.classNames()
                    + " vs " + test.classNames());
        }
        if (train.channels() != test.channels() || train.height() != test.height() || train.width() != test.width()) {
            throw new IllegalArgumentException("train and test image shapes differ");
        }
    }
}
