package dev.glimpse.training;

import ai.onnxruntime.OrtException;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A classifier as the training loop ({@link Trainer}) drives it: one ONNX Runtime training step per batch (forward,
 * loss, gradients of the trainable weights), weights that the optimizer updates in place, and an inference graph
 * with the current weights for validation. Implemented for networks made by {@code ./glimpse train}
 * ({@link NetworkTraining}) and for any imported ONNX classifier ({@code imported.ImportedGraphTraining}).
 */
public interface TrainableModel extends AutoCloseable {

    /** What one step returns; gradients are keyed by weight name. */
    record StepResult(float loss, float[] logits, Map<String, float[]> gradients) {
    }

    /** One line for the log: what is trained and how. */
    String describe();

    int numClasses();

    /** C, H, W of one input sample. */
    int[] sampleShape();

    /** Names of the weights that get gradients and updates, in a fixed order; all others stay bit-identical. */
    List<String> trainable();

    /** The current values of a trainable weight; the optimizer updates this array in place. */
    float[] weights(String name);

    /** Number of dimensions of a trainable weight (weight decay applies to rank > 1 only). */
    int rank(String name);

    /**
     * Runs one training step on {@code n} samples.
     *
     * @param target n x K class probabilities
     * @param rng    the run's random stream (e.g. for dropout masks)
     */
    StepResult step(float[] input, int n, float[] target, SplittableRandom rng) throws OrtException;

    /** Evaluates the current weights in inference form. */
    Evaluation evaluate(Examples data, List<String> classNames) throws OrtException;

    @Override
    void close() throws OrtException;
}
