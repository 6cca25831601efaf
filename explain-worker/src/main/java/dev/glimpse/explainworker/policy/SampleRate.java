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

    @Override
    public Optional<String> select(Prediction prediction, int knownLabel) {
        CRC32 crc = new CRC32();
        crc.update(prediction.getImageId().getBytes(StandardCharsets.UTF_8));
        double u = crc.getValue() / (double) (1L << 32);
        return u < rate ? Optional.of("sample") : Optional.empty();
    }
}
