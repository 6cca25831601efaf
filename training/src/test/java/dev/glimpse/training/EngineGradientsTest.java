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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The layer-level backward pass of the training graph against the engine's generic op-by-op autodiff on the same
 * forward graph: loss, every weight gradient and the batch statistics must agree.
 */
class EngineGradientsTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = ';', value = {
            "seed;      conv:10:3,maxpool:2,relu,conv:20:3,maxpool:2,relu,flatten,fc:100,relu,dropout:0.4,fc:10; TRAIN",
            "small;     conv:16:3:1:nobias,bn,relu,maxpool:2,conv:32:3:1:nobias,bn,relu,maxpool:2,conv:64:3:1:nobias,bn,relu,maxpool:2,flatten,fc:128,relu,dropout:0.3,fc:10; TRAIN",
            "bn frozen; conv:8:3:1:nobias,bn,relu,maxpool:2,flatten,fc:10; FROZEN",
    })
    void shouldAgreeWithTheEnginesAutodiff(String label, String spec, BatchNormMode bnMode) throws OrtException {
        Network net = Network.parse("t", 1, 28, 28, spec.trim());
        Parameters params = Parameters.initialize(net, 4);
        int n = 8;
        Random rnd = new Random(2);
        float[] x = new float[n * 28 * 28];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        float[] target = new float[n * 10];
        for (int i = 0; i < n; i++) {
            target[i * 10 + rnd.nextInt(10)] = 1f;
        }
        Set<String> trainable = new LinkedHashSet<>();
        params.weights().forEach(t -> trainable.add(t.name()));
        try (TrainingStep builtin = new TrainingStep(net, params, trainable, bnMode, 1, TrainingStep.Gradients.BUILTIN);
             TrainingStep engine = new TrainingStep(net, params, trainable, bnMode, 1, TrainingStep.Gradients.ENGINE)) {
            Map<String, float[]> masks = new HashMap<>();
            builtin.graph().dropoutMasks().forEach((name, shape) -> {
                int per = 1;
                for (int s : shape) {
                    per *= s;
                }
                float[] m = new float[n * per];
                for (int i = 0; i < m.length; i++) {
                    m[i] = rnd.nextFloat() < 0.6f ? 1f / 0.6f : 0f;
                }
                masks.put(name, m);
            });
            TrainingStep.Result a = builtin.run(x, n, target, masks, params);
            TrainingStep.Result b = engine.run(x, n, target, masks, params);
            assertEquals(a.loss(), b.loss(), 1e-5 * Math.max(1, a.loss()), label + " loss");
            for (ParamTensor w : params.weights()) {
                float[] ga = a.gradients().get(w.name());
                float[] gb = b.gradients().get(w.name());
                double max = 0;
                double err = 0;
                for (int i = 0; i < ga.length; i++) {
                    max = Math.max(max, Math.abs(ga[i]));
                    err = Math.max(err, Math.abs(ga[i] - gb[i]));
                }
                assertTrue(err <= 1e-4 * Math.max(max, 1e-3), label + " " + w.name() + ": max difference " + err + ", max |grad| " + max);
            }
            for (String bn : builtin.graph().batchNormLayers()) {
                assertEquals(a.batchMeans().get(bn)[0], b.batchMeans().get(bn)[0], 1e-5);
            }
        }
    }
}
