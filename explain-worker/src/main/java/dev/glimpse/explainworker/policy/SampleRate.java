package dev.glimpse.explainworker.policy;

import dev.glimpse.contracts.events.Prediction;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.zip.CRC32;

/**
 * Explains a fraction of predictions, chosen by a hash of the image id rather than a random draw so the
 * choice is the same on every replica and after a restart.
 */
public record SampleRate(double rate) implements ExplanationPolicy {

    public SampleRate {
        if (!(rate >= 0 && rate <= 1)) {
            throw new IllegalArgumentException("sample rate must be in [0, 1], got '" + rate + "'");
        }
    }

    /** The reason this policy gives. */
    public static final String REASON = "sample";

    @Override
    public Optional<String> select(Prediction prediction, int knownLabel) {
        return unit(prediction.getImageId()) < rate ? Optional.of(REASON) : Optional.empty();
    }

    @Override
    public double sampleRate() {
        return rate;
    }

    /** The image's draw in [0, 1): a hash of its id, the same on every replica and after a restart. */
    public static double unit(String imageId) {
        CRC32 crc = new CRC32();
        crc.update(imageId.getBytes(StandardCharsets.UTF_8));
        return crc.getValue() / (double) (1L << 32);
    }
}
