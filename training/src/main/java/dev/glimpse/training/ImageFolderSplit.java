package dev.glimpse.training;

import java.util.ArrayList;
import java.util.List;
import dev.glimpse.datasets.Holdout;
import dev.glimpse.datasets.ImageFolder;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The three parts of an image-folder dataset: {@code test} is {@code DIR/test/<class>} when the folder has
 * {@code train/} and {@code test/} parts, else a seeded {@code testFraction} of {@code DIR/<class>}; {@code validation}
 * is a seeded {@code validationFraction} of the rest (the training data); {@code train} is what remains. Membership
 * depends only on an image's path and the seed ({@link Holdout}), so {@code finetune} and {@code evaluate --split}
 * agree on it.
 */
public record ImageFolderSplit(ImageFolder all, ImageFolder train, ImageFolder validation, ImageFolder test) {

    public static ImageFolderSplit of(Path dir, double testFraction, double validationFraction, long seed)
            throws IOException {
        Holdout validationPart = new Holdout(validationFraction, seed);
        if (ImageFolder.hasTrainTestParts(dir)) {
            ImageFolder trainPart = ImageFolder.scan(dir.resolve("train"), null);
            ImageFolder test = ImageFolder.scan(dir.resolve("test"), trainPart.classNames());
            ImageFolder all = new ImageFolder(dir, trainPart.classNames(), concat(trainPart, test));
            return new ImageFolderSplit(all, trainPart.filter(id -> !validationPart.contains(id)),
                    trainPart.filter(validationPart::contains), test);
        }
        ImageFolder all = ImageFolder.scan(dir, null);
        Holdout testPart = new Holdout(testFraction, seed + 1);
        ImageFolder rest = all.filter(id -> !testPart.contains(id));
        return new ImageFolderSplit(all, rest.filter(id -> !validationPart.contains(id)), rest.filter(validationPart::contains),
                all.filter(testPart::contains));
    }

    /** A part by name: all, train, validation or test. */
    public ImageFolder part(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "all" -> all;
            case "train" -> train;
            case "validation" -> validation;
            case "test" -> test;
            default -> throw new IllegalArgumentException("--split must be all, train, validation or test, got '" + name + "'");
        };
    }

    public String describe() {
        return String.format(Locale.ROOT, "%s: %d classes, train %d, validation %d, test %d images", all.root(),
                all.classNames().size(), train.size(), validation.size(), test.size());
    }

    private static List<ImageFolder.ImageFile> concat(ImageFolder a, ImageFolder b) {
        List<ImageFolder.ImageFile> out = new ArrayList<>(a.files());
        out.addAll(b.files());
        return out;
    }
}
