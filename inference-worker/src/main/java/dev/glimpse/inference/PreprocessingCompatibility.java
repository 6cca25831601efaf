package dev.glimpse.inference;

import dev.glimpse.runtime.ModelMetadata;
import java.util.Arrays;
import java.util.Optional;

/**
 * Whether a hot-swapped model takes what the worker's decode stage feeds: input colour, size and per-channel
 * mean/std of the model it started with. Images are preprocessed before it is known which model will answer them,
 * so a model whose metadata asks for other preprocessing is refused rather than fed wrongly normalised pixels.
 */
final class PreprocessingCompatibility {

    private PreprocessingCompatibility() {
    }

    /** Why a model with {@code candidate}'s metadata cannot take the images prepared for {@code serving}, or empty. */
    static Optional<String> mismatch(ModelMetadata serving, ModelMetadata candidate) {
        if (candidate.colour() != serving.colour()) {
            return Optional.of("input colour " + candidate.colour().key() + " differs from the serving model's "
                    + serving.colour().key());
        }
        if (candidate.height() != serving.height() || candidate.width() != serving.width()) {
            return Optional.of("input size " + candidate.height() + "x" + candidate.width()
                    + " differs from the serving model's " + serving.height() + "x" + serving.width());
        }
        if (!Arrays.equals(candidate.mean(), serving.mean())) {
            return Optional.of("input mean " + Arrays.toString(candidate.mean()) + " differs from the serving model's "
                    + Arrays.toString(serving.mean()));
        }
        if (!Arrays.equals(candidate.std(), serving.std())) {
            return Optional.of("input std " + Arrays.toString(candidate.std()) + " differs from the serving model's "
                    + Arrays.toString(serving.std()));
        }
        return Optional.empty();
    }
}
