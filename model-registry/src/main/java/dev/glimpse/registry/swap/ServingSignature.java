package dev.glimpse.registry.swap;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.glimpse.runtime.GraphFacts;
import java.util.Arrays;
import java.util.Optional;

/**
 * The input/output contract of the model that serves now: a replacement must take the same input (name aside:
 * rank and every static non-batch dimension) and produce a rank-2 output; the class count must match unless the
 * caller allows it to change (a fine-tune that replaced the head with more classes).
 */
public record ServingSignature(long[] inputShape, long[] outputShape) {

    public ServingSignature {
        inputShape = inputShape.clone();
        outputShape = outputShape.clone();
    }

    public static ServingSignature of(GraphFacts facts) {
        return new ServingSignature(facts.inputShape(), facts.outputShape());
    }

    public static ServingSignature of(OrtSession session) throws OrtException {
        return of(GraphFacts.of(session));
    }

    /** Why {@code candidate} cannot replace this model, or empty when it can. */
    public Optional<String> mismatch(ServingSignature candidate, boolean allowClassCountChange) {
        if (candidate.inputShape.length != inputShape.length) {
            return Optional.of("input rank " + candidate.inputShape.length + " " + Arrays.toString(candidate.inputShape)
                    + " differs from the serving model's " + Arrays.toString(inputShape));
        }
        for (int d = 1; d < inputShape.length; d++) {
            if (inputShape[d] > 0 && candidate.inputShape[d] > 0 && inputShape[d] != candidate.inputShape[d]) {
                return Optional.of("input shape " + Arrays.toString(candidate.inputShape)
                        + " differs from the serving model's " + Arrays.toString(inputShape) + " in dimension " + d);
            }
        }
        if (candidate.outputShape.length != outputShape.length) {
            return Optional.of("output rank " + candidate.outputShape.length + " " + Arrays.toString(candidate.outputShape)
                    + " differs from the serving model's " + Arrays.toString(outputShape));
        }
        if (!allowClassCountChange && outputShape.length == 2 && outputShape[1] > 0 && candidate.outputShape[1] > 0
                && outputShape[1] != candidate.outputShape[1]) {
            return Optional.of("output has " + candidate.outputShape[1] + " classes, the serving model "
                    + outputShape[1]);
        }
        return Optional.empty();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ServingSignature s && Arrays.equals(s.inputShape, inputShape)
                && Arrays.equals(s.outputShape, outputShape);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(inputShape) * 31 + Arrays.hashCode(outputShape);
    }

    @Override
    public String toString() {
        return Arrays.toString(inputShape) + " -> " + Arrays.toString(outputShape);
    }
}
