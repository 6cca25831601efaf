package dev.glimpse.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtException;
import dev.glimpse.training.graph.NetworkGraphs.BatchNormMode;
import dev.glimpse.training.model.Network;
import dev.glimpse.training.model.ParamTensor;
import dev.glimpse.training.model.Parameters;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The loss gradient of every trainable op, from the training step's backward graph (the engine's autodiff on the
 * network's training-form forward graph), against central finite differences of the loss computed by the same
 * forward graph: for each weight tensor W and a random direction D,
 * (L(W + hD) - L(W - hD)) / 2h must equal the sum of grad(W) * D.
 */
class GradientFiniteDifferenceTest {

    private static final int N = 4;

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = ';', value = {
            // conv (first layer: weight grad only), maxpool, relu, flatten, linear, dropout: the seed CNN's ops
            "seed ops;     conv:3:3,maxpool:2,relu,conv:4:3,maxpool:2:1,relu,flatten,fc:6,relu,dropout:0.5,fc:3;   TRAIN; 3e-4",
            // padded conv without bias, batch norm with batch statistics, average pool, global average pool
            "bn train;     conv:4:3:1:nobias,bn,relu,avgpool:2,conv:5:3:1,bn,relu,gap,flatten,fc:3;               TRAIN; 3e-4",
            // batch norm in inference form with trainable gamma/beta
            "bn frozen;    conv:4:3:1:nobias,bn,relu,maxpool:2,flatten,fc:3;                                      FROZEN; 3e-4",
            // odd sizes: non-overlapping pooling drops the last row/column (floor), padded conv with k=5
            "odd sizes;    conv:3:5:2,relu,maxpool:2,conv:4:2,relu,maxpool:2,flatten,fc:3;                       TRAIN; 3e-4",
            // overlapping max pooling (stride < kernel): windows share inputs, whose gradients must add
            "overlap pool; conv:3:2,maxpool:3:2,relu,flatten,fc:3;                                                TRAIN; 3e-4",
            // the shipped architectures' layer sequences (Architectures.SEED / SMALL) on the small test input
            "seed arch;    conv:10:3,maxpool:2,relu,conv:20:3,maxpool:2,relu,flatten,fc:100,relu,dropout:0.4,fc:3;  TRAIN; 3e-4",
            // three batch norms over tiny batches (N=4, 3x3 maps before the last pooling) put many activations close
            // to a ReLU or max-pool switch: a smaller step keeps the finite difference on one side of them
            // Architectures.GAP's layer sequence (pooling once, two convs at that resolution, global average pooling),
            // narrower: at full width the tiny batch puts so many batch-normalised ReLU inputs near zero that a central
            // difference crosses kinks (the full-width network is checked against PyTorch autograd instead)
            "gap arch;     conv:4:3:1:nobias,bn,relu,maxpool:2,conv:6:3:1:nobias,bn,relu,conv:8:3:1:nobias,bn,relu,gap,flatten,fc:3; TRAIN; 1e-4",
            "small arch;   conv:16:3:1:nobias,bn,relu,maxpool:2,conv:32:3:1:nobias,bn,relu,maxpool:2,conv:64:3:1:nobias,bn,relu,maxpool:2,flatten,fc:128,relu,dropout:0.3,fc:3; TRAIN; 1e-4",
    })
    void shouldMatchCentralFiniteDifferencesForEveryWeight(String label, String spec, BatchNormMode bnMode, double h)
            throws OrtException {
        Network net = Network.parse("t", 2, 12, 12, spec.trim());
        Parameters params = Parameters.initialize(net, 3);
        Random rnd = new Random(11);
        // running stats away from (0, 1) so the frozen form is not trivially the identity
        for (ParamTensor t : params.all()) {
            if (t.name().endsWith("running_mean") || t.name().endsWith("running_var")) {
                for (int i = 0; i < t.size(); i++) {
                    t.data()[i] = t.name().endsWith("mean") ? (float) rnd.nextGaussian() * 0.3f : 0.5f + rnd.nextFloat();
                }
            }
            if (t.name().startsWith("bn") && t.name().endsWith(".bias")) {
                for (int i = 0; i < t.size(); i++) {
                    t.data()[i] = (float) rnd.nextGaussian() * 0.2f;
                }
            }
        }
        float[] input = new float[N * 2 * 12 * 12];
        for (int i = 0; i < input.length; i++) {
            input[i] = (float) rnd.nextGaussian();
        }
        float[] target = new float[N * 3];
        for (int n = 0; n < N; n++) {
            target[n * 3 + n % 3] = 0.9f;
            target[n * 3 + (n + 1) % 3] = 0.1f;
        }
        Set<String> trainable = params.weights().stream().map(ParamTensor::name).collect(Collectors.toCollection(LinkedHashSet::new));
        try (TrainingStep step = new TrainingStep(net, params, trainable, bnMode, 1)) {
            Map<String, float[]> masks = new HashMap<>();
            step.graph().dropoutMasks().forEach((name, shape) -> {
                int per = 1;
                for (int s : shape) {
                    per *= s;
                }
                float[] m = new float[N * per];
                float keep = 1f - step.graph().dropoutRates().get(name);
                for (int i = 0; i < m.length; i++) {
                    m[i] = rnd.nextFloat() < keep ? 1f / keep : 0f;
                }
                masks.put(name, m);
            });
            TrainingStep.Result base = step.run(input, N, target, masks, params);
            assertEquals(trainable.size(), base.gradients().size());
            // h: small enough that the perturbation rarely moves a ReLU input across zero (batch-normalised
            // activations crowd around it), large enough that float32 rounding of the loss stays below the tolerance.
            java.util.List<String> failures = new java.util.ArrayList<>();
            for (String w : trainable) {
                float[] data = params.get(w).data();
                float[] original = data.clone();
                double[] dir = new double[data.length];
                double analytic = 0;
                for (int i = 0; i < data.length; i++) {
                    dir[i] = rnd.nextGaussian();
                    analytic += dir[i] * base.gradients().get(w)[i];
                }
                for (int i = 0; i < data.length; i++) {
                    data[i] = (float) (original[i] + h * dir[i]);
                }
                double plus = step.run(input, N, target, masks, params).loss();
                for (int i = 0; i < data.length; i++) {
                    data[i] = (float) (original[i] - h * dir[i]);
                }
                double minus = step.run(input, N, target, masks, params).loss();
                System.arraycopy(original, 0, data, 0, data.length);
                double numeric = (plus - minus) / (2 * h);
                double tolerance = 2e-3 + 2e-2 * Math.abs(numeric);
                if (Math.abs(numeric - analytic) > tolerance) {
                    failures.add(label + " " + w + ": finite difference " + numeric + " vs backward graph " + analytic);
                }
            }
            assertTrue(failures.isEmpty(), String.join("\n", failures));
        }
    }
}
