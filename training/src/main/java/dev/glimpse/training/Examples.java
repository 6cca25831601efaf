package dev.glimpse.training;

import dev.glimpse.datasets.Dataset;
import dev.glimpse.datasets.ImageFolder;
import dev.glimpse.datasets.LabeledImage;
import dev.glimpse.runtime.PreprocessingException;
import dev.glimpse.runtime.Preprocessor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.List;
import java.util.function.Function;

/**
 * Labeled samples as a model receives them: what the training loop and the evaluator read. A sample is written as
 * C x H x W floats, already preprocessed, then augmented.
 */
public interface Examples {

    String name();

    int size();

    int label(int index);

    List<String> classNames();

    /** C, H, W of every sample. */
    int[] sampleShape();

    /** Writes sample {@code index}, preprocessed and augmented, into {@code dst} at {@code offset}. */
    void write(int index, float[] dst, int offset, Augmentation augmentation);

    /**
     * These examples with labels as indices of {@code modelLabels}: a dataset's classes (an image folder's are sorted
     * by name) are matched to the model's outputs by name. Unchanged when the class names already are the first
     * labels, or when none of them is a label (a model without class names: outputs are taken in dataset order).
     *
     * @throws IllegalArgumentException when some classes are labels of the model and others are not
     */
    default Examples inLabelOrder(List<String> modelLabels) {
        List<String> names = classNames();
        if (modelLabels.size() >= names.size() && modelLabels.subList(0, names.size()).equals(names)) {
            return this;
        }
        List<String> unknown = names.stream().filter(n -> !modelLabels.contains(n)).toList();
        if (unknown.size() == names.size()) {
            return this;
        }
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("classes " + unknown + " of " + name() + " are not among the model's labels "
                    + modelLabels + "; give the model a new head (--replace-head " + names.size() + ") or rename the folders");
        }
        int[] toModel = names.stream().mapToInt(modelLabels::indexOf).toArray();
        Examples source = this;
        return new Examples() {
            @Override public String name() { return source.name(); }
            @Override public int size() { return source.size(); }
            @Override public int label(int index) { return toModel[source.label(index)]; }
            @Override public List<String> classNames() { return modelLabels; }
            @Override public int[] sampleShape() { return source.sampleShape(); }
            @Override public void write(int index, float[] dst, int offset, Augmentation a) { source.write(index, dst, offset, a); }
        };
    }

    default int sampleSize() {
        int[] s = sampleShape();
        return s[0] * s[1] * s[2];
    }

    /** A dataset's images normalised as {@code norm} says (models made by {@code ./glimpse train}). */
    static Examples of(Dataset data, Normalization norm) {
        return new Examples() {
            @Override public String name() { return data.name(); }
            @Override public int size() { return data.size(); }
            @Override public int label(int index) { return data.get(index).label(); }
            @Override public List<String> classNames() { return data.classNames(); }
            @Override public int[] sampleShape() { return new int[] {data.channels(), data.height(), data.width()}; }

            @Override
            public void write(int index, float[] dst, int offset, Augmentation a) {
                norm.write(data.get(index), dst, offset, a.dx(), a.dy(), a.flip());
            }
        };
    }

    /**
     * Images already preprocessed to the model's input as 8-bit pixels ({@link Preprocessor#modelPixels}, e.g. the
     * training service's decoded examples), only scaled and normalised: resizing them again would crop twice.
     */
    static Examples ofModelPixels(Dataset data, Preprocessor pre) {
        return preprocessed(data, pre, img -> pre.normalise(img.pixels()));
    }

    /** A dataset's images through a model's whole preprocessing (decoded images of any size). */
    static Examples of(Dataset data, Preprocessor pre) {
        return preprocessed(data, pre, img -> pre.fromPixels(interleaved(img), img.width(), img.height(), img.channels()));
    }

    /** A dataset's images as the model's input, each turned into its CHW floats by {@code toInput}. */
    private static Examples preprocessed(Dataset data, Preprocessor pre, Function<LabeledImage, float[]> toInput) {
        int[] shape = {pre.metadata().channels(), pre.metadata().height(), pre.metadata().width()};
        return new Examples() {
            @Override public String name() { return data.name(); }
            @Override public int size() { return data.size(); }
            @Override public int label(int index) { return data.get(index).label(); }
            @Override public List<String> classNames() { return data.classNames(); }
            @Override public int[] sampleShape() { return shape; }

            @Override
            public void write(int index, float[] dst, int offset, Augmentation a) {
                a.apply(toInput.apply(data.get(index)), shape[0], shape[1], shape[2], dst, offset);
            }
        };
    }

    /** The image files of a folder, each decoded and preprocessed by the model's preprocessing when it is read. */
    static Examples of(ImageFolder folder, String name, Preprocessor pre) {
        int[] shape = {pre.metadata().channels(), pre.metadata().height(), pre.metadata().width()};
        return new Examples() {
            @Override public String name() { return name; }
            @Override public int size() { return folder.size(); }
            @Override public int label(int index) { return folder.files().get(index).label(); }
            @Override public List<String> classNames() { return folder.classNames(); }
            @Override public int[] sampleShape() { return shape; }

            @Override
            public void write(int index, float[] dst, int offset, Augmentation a) {
                ImageFolder.ImageFile f = folder.files().get(index);
                float[] sample;
                try {
                    sample = pre.fromEncoded(Files.readAllBytes(f.path()));
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot read image " + f.path() + ": " + e.getMessage(), e);
                } catch (PreprocessingException e) {
                    throw new IllegalArgumentException("image " + f.path() + ": " + e.getMessage(), e);
                }
                a.apply(sample, shape[0], shape[1], shape[2], dst, offset);
            }
        };
    }

    /** CHW planar pixels to HWC interleaved, the layout {@link Preprocessor#fromPixels} takes. */
    private static byte[] interleaved(LabeledImage img) {
        int c = img.channels();
        int plane = img.height() * img.width();
        byte[] px = img.pixels();
        if (c == 1) {
            return px;
        }
        byte[] out = new byte[px.length];
        for (int p = 0; p < plane; p++) {
            for (int k = 0; k < c; k++) {
                out[p * c + k] = px[k * plane + p];
            }
        }
        return out;
    }
}
