package dev.glimpse.training;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashMap;
import java.util.Map;

/** Values of a trained model's metadata, written the same way by training from scratch and by every fine-tune. */
public final class MetadataValues {

    private static final ObjectMapper JSON = new ObjectMapper();

    private MetadataValues() {
    }

    /** A metadata value as JSON (lists, maps, numbers). */
    public static String json(Object o) {
        try {
            return JSON.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The {@code glimpse.metrics} object: test accuracy, loss and size (the final report) and validation accuracy and
     * size (held out from the training data), each only when measured; figures rounded to 4 decimals.
     */
    public static String metrics(Evaluation test, Evaluation validation) {
        Map<String, Object> metrics = new LinkedHashMap<>();
        if (test != null) {
            metrics.put("accuracy", round(test.accuracy()));
            metrics.put("loss", round(test.meanLoss()));
            metrics.put("test_examples", (double) test.total());
        }
        if (validation != null) {
            metrics.put("validation_accuracy", round(validation.accuracy()));
            metrics.put("validation_examples", (double) validation.total());
        }
        return json(metrics);
    }

    private static double round(double v) {
        return Math.round(v * 1e4) / 1e4;
    }
}
