package dev.glimpse.trainingservice.examples;

import dev.glimpse.runtime.ImageLimits;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings of the labels-to-examples topology.
 *
 * @param retention how long an image waits for its label (and a label for its image): the join window
 * @param grace     how late (in event time) records may arrive after the window before a label is declared orphaned
 * @param imageLimits images whose header exceeds them are dead-lettered, never joined nor decoded
 */
public record TrainingExamplesConfig(String imagesTopic, String labelsTopic, String examplesTopic,
                                     String deadletterTopic, Duration retention, Duration grace, int numClasses,
                                     double holdoutFraction, ImageLimits imageLimits) {

    public TrainingExamplesConfig {
        requireTopic("images topic", imagesTopic);
        requireTopic("labels topic", labelsTopic);
        requireTopic("training-examples topic", examplesTopic);
        requireTopic("deadletter topic", deadletterTopic);
        if (retention == null || retention.isNegative() || retention.isZero()) {
            throw new IllegalArgumentException("label retention must be positive, got " + retention);
        }
        if (grace == null || grace.isNegative()) {
            throw new IllegalArgumentException("join grace must be >= 0, got " + grace);
        }
        if (numClasses < 2) {
            throw new IllegalArgumentException("number of classes must be >= 2, got " + numClasses);
        }
        new HoldoutSplit(holdoutFraction); // validates the fraction
        Objects.requireNonNull(imageLimits, "imageLimits");
    }

    public static TrainingExamplesConfig defaults(int numClasses) {
        return new TrainingExamplesConfig("images", "labels", "training-examples", "deadletter",
                Duration.ofHours(24), Duration.ofMinutes(5), numClasses, 0.2, ImageLimits.DEFAULT);
    }

    public TrainingExamplesConfig withRetention(Duration newRetention, Duration newGrace) {
        return new TrainingExamplesConfig(imagesTopic, labelsTopic, examplesTopic, deadletterTopic, newRetention,
                newGrace, numClasses, holdoutFraction, imageLimits);
    }

    public TrainingExamplesConfig withHoldoutFraction(double fraction) {
        return new TrainingExamplesConfig(imagesTopic, labelsTopic, examplesTopic, deadletterTopic, retention, grace,
                numClasses, fraction, imageLimits);
    }

    public TrainingExamplesConfig withImageLimits(ImageLimits limits) {
        return new TrainingExamplesConfig(imagesTopic, labelsTopic, examplesTopic, deadletterTopic, retention, grace,
                numClasses, holdoutFraction, limits);
    }

    private static void requireTopic(String what, String name) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException(what + " must be set, got '" + name + "'");
        }
    }
}
