package dev.glimpse.trainingservice;

import dev.glimpse.datasets.Dataset;
import java.nio.file.Path;
import java.util.Map;

/** Fine-tunes a model on labeled examples and writes the candidate ONNX file. */
public interface ModelTrainer {

    /** What a fine-tune produced. */
    record Result(Path candidate, Map<String, String> hyperparameters, long examplesSeen, double seconds,
                  double examplesPerSecond) {
    }

    /**
     * @param currentModel  the model to start from (the promoted version)
     * @param train         labeled examples at the model's input shape
     * @param out           where to write the candidate
     * @param version       version to record in the candidate's metadata
     * @param parentVersion version of {@code currentModel}
     */
    Result fineTune(Path currentModel, Dataset train, Path out, String version, String parentVersion) throws Exception;
}
