package dev.glimpse.explainworker;

import dev.glimpse.contracts.events.ImageEvent;
import dev.glimpse.contracts.events.Prediction;

/**
 * One method to run on one predicted image.
 *
 * @param target class to explain (the prediction's top-1 unless asked otherwise)
 * @param reason the policy term that selected it, or {@code on-demand}
 * @param layer  the layer asked for on demand, or null for the model's default layer
 */
public record ExplainItem(Prediction prediction, ImageEvent image, String method, int target, String reason, String layer) {

    /** An item at the model's default layer. */
    public ExplainItem(Prediction prediction, ImageEvent image, String method, int target, String reason) {
        this(prediction, image, method, target, reason, null);
    }

    public ModelKey model() {
        return new ModelKey(prediction.getModelName(), prediction.getModelVersion());
    }

    /** The idempotence key: one explanation record per (image, model version, method). */
    public String dedupKey() {
        return dedupKey(prediction.getImageId(), prediction.getModelName(), prediction.getModelVersion(),
                layer == null ? method : method + "@" + layer);
    }

    public static String dedupKey(String imageId, String modelName, String modelVersion, String method) {
        return imageId + "|" + modelName + "|" + modelVersion + "|" + method;
    }
}
