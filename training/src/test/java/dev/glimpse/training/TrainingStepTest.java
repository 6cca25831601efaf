package dev.glimpse.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.onnxruntime.OrtException;
import dev.glimpse.training.graph.NetworkGraphs.BatchNormMode;
import dev.glimpse.training.model.Network;
import dev.glimpse.training.model.ParamTensor;
import dev.glimpse.training.model.Parameters;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** What a training step returns besides gradients (those are checked by GradientFiniteDifferenceTest). */
class TrainingStepTest {

    @Test
    void shouldReturnTheBatchMeanAndBiasedVarianceOfWhatBatchNormSees() throws OrtException {
        // Given a batch norm directly on a 2-channel input, so its statistics are those of the input itself
        Network net = Network.parse("t", 2, 3, 3, "bn,flatten,fc:3");
        Parameters params = Parameters.initialize(net, 1);
        int n = 5;
        Random rnd = new Random(4);
        float[] x = new float[n * 2 * 9];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (rnd.nextGaussian() * 2 + 1);
        }
        float[] target = new float[n * 3];
        for (int i = 0; i < n; i++) {
            target[i * 3 + i % 3] = 1f;
        }
        Set<String> trainable = new LinkedHashSet<>();
        params.weights().forEach(t -> trainable.add(t.name()));

        // When one step runs with batch statistics
        try (TrainingStep step = new TrainingStep(net, params, trainable, BatchNormMode.TRAIN, 1)) {
            TrainingStep.Result r = step.run(x, n, target, Map.of(), params);

            // Then the statistics equal the per-channel mean and biased variance over batch and space
            String bn = step.graph().batchNormLayers().get(0);
            float[] mean = new float[2];
            float[] var = new float[2];
            for (int c = 0; c < 2; c++) {
                double s = 0;
                double s2 = 0;
                for (int b = 0; b < n; b++) {
                    for (int p = 0; p < 9; p++) {
                        double v = x[(b * 2 + c) * 9 + p];
                        s += v;
                        s2 += v * v;
                    }
                }
                mean[c] = (float) (s / (n * 9));
                var[c] = (float) (s2 / (n * 9) - mean[c] * (double) mean[c]);
            }
            assertArrayEquals(mean, r.batchMeans().get(bn), 1e-5f);
            assertArrayEquals(var, r.batchVars().get(bn), 1e-4f);
            assertEquals(trainable.size(), r.gradients().size());
        }
    }

    @Test
    void shouldRejectATrainableNameThatIsNotAWeight() {
        // Given a network whose batch norm has running statistics (buffers, not weights)
        Network net = Network.parse("t", 1, 4, 4, "bn,flatten,fc:2");
        Parameters params = Parameters.initialize(net, 1);
        String buffer = params.all().stream().filter(ParamTensor::buffer).findFirst().orElseThrow().name();

        // When / Then asking to train it fails and names it
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new TrainingStep(net, params, Set.of(buffer), BatchNormMode.TRAIN, 1));
        assertEquals("'" + buffer + "' is not a trainable weight of t", e.getMessage());
    }
}
