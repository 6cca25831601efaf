package dev.glimpse.inference;

import dev.glimpse.runtime.InputColour;
import dev.glimpse.runtime.ModelMetadata;
import java.util.Arrays;
import java.util.Optional;

/**
 * What the worker's decode stage feeds a model: input colour, size and per-channel mean/std, taken from the model it
 * started with. Images are preprocessed before it is known which model will answer them, so a hot-swapped model
 * must expect exactly this input; one whose metadata asks for other preprocessing is refused rather than fed
 * wrongly normalised pixels.
 */
record PreprocessingSignature(InputColour colour, int height, int width, float[] mean, float[] std) {

    PreprocessingSignature {
        mean = mean.clone();
        std = std.clone();
    }

    static PreprocessingSignature of(ModelMetadata m) {
        return new PreprocessingSignature(m.colour(), m.height(), m.width(), m.mean(), m.std());
    }

    /** Why a model with {@code candidate}'s metadata cannot take the images this worker prepares, or empty. */
    Optional<String> mismatch(ModelMetadata candidate) {
        if (candidate.colour() != colour) {
            return Optional.of("input colour " + candidate.colour().key() + " differs from the serving model's "
                    + colour.key());
        }
        if (candidate.height() != height || candidate.width() != width) {
            return Optional.of("input size " + candidate.height() + "x" + candidate.width()
                    + " differs from the serving model's " + height + "x" + width);
        }
        if (!Arrays.equals(candidate.mean(), mean)) {
            return Optional.of("input mean " + Arrays.toString(candidate.mean()) + " differs from the serving model's "
                    + Arrays.toString(mean));
        }
        if (!Arrays.equals(candidate.std(), std)) {
            return Optional.of("input std " + Arrays.toString(candidate.std()) + " differs from the serving model's "
                    + Arrays.toString(std));
        }
        return Optional.empty();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PreprocessingSignature s && s.colour == colour && s.height == height && s.width == width
                && Arrays.equals(s.mean, mean) && Arrays.equals(s.std, std);
    }

    @Override
    public int hashCode() {
        return ((colour.hashCode() * 31 + height) * 31 + width) * 31 + Arrays.hashCode(mean) * 7 + Arrays.hashCode(std);
    }

    @Override
    public String toString() {
        return colour.key() + " " + height + "x" + width + " mean " + Arrays.toString(mean) + " std "
                + Arrays.toString(std);
    }
}
