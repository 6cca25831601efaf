package dev.glimpse.training;

import ai.onnxruntime.OrtException;
import dev.glimpse.training.graph.NetworkGraphs.BatchNormMode;
import dev.glimpse.training.model.Architectures;
import dev.glimpse.training.model.Network;
import dev.glimpse.training.model.ParamTensor;
import dev.glimpse.training.model.Parameters;
import dev.glimpse.training.optim.Optimizer;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * Training throughput of a network at a batch size with Adam: complete steps (dropout masks drawn, one
 * {@code OrtSession.run} for forward + loss + gradients, Adam update in Java), on fixed random input as the
 * PyTorch reference script does, timed after a warm-up. Also reports where a step's time goes.
 */
public final class TrainingBenchmark {

    /** Examples per second and the mean milliseconds per step spent in ONNX Runtime and in the Java optimizer. */
    public record Result(String arch, int batch, int steps, int threads,
                         double examplesPerSecond, double ortMsPerStep,
                         double optimizerMsPerStep, double otherMsPerStep) {
    }

    private TrainingBenchmark() {
    }

    public static Result run(String arch, int batch, int steps, int warmup, int threads) throws OrtException {
        Network net = Architectures.create(arch, 1, 28, 28, 10);
        Parameters params = Parameters.initialize(net, 1);
        Set<String> trainable = new LinkedHashSet<>();
        params.weights().forEach(t -> trainable.add(t.name()));
        Optimizer adam = Optimizer.create("adam", 0, 0);
        Random rnd = new Random(1);
        float[] input = new float[batch * 28 * 28];
        for (int i = 0; i < input.length; i++) {
            input[i] = (float) rnd.nextGaussian();
        }
        float[] target = new float[batch * 10];
        for (int i = 0; i < batch; i++) {
            target[i * 10 + rnd.nextInt(10)] = 1f;
        }
        try (TrainingStep step = new TrainingStep(net, params, trainable, BatchNormMode.TRAIN, threads)) {
            Map<String, float[]> masks = new HashMap<>();
            step.graph().dropoutMasks().forEach((name, shape) -> {
                int per = 1;
                for (int s : shape) {
                    per *= s;
                }
                masks.put(name, new float[batch * per]);
            });
            long ort = 0;
            long opt = 0;
            long start = 0;
            for (int s = -warmup; s < steps; s++) {
                if (s == 0) {
                    ort = 0;
                    opt = 0;
                    start = System.nanoTime();
                }
                for (Map.Entry<String, float[]> m : masks.entrySet()) {
                    float keep = 1f - step.graph().dropoutRates().get(m.getKey());
                    float[] mask = m.getValue();
                    for (int i = 0; i < mask.length; i++) {
                        mask[i] = rnd.nextFloat() < keep ? 1f / keep : 0f;
                    }
                }
                long t0 = System.nanoTime();
                TrainingStep.Result r = step.run(input, batch, target, masks, params);
                long t1 = System.nanoTime();
                for (String w : step.weightInputs()) {
                    ParamTensor t = params.get(w);
                    adam.update(w, t.shape().length, t.data(), r.gradients().get(w), 1e-3);
                }
                long t2 = System.nanoTime();
                ort += t1 - t0;
                opt += t2 - t1;
            }
            long total = System.nanoTime() - start;
            return new Result(arch, batch, steps, threads, steps * (double) batch / (total / 1e9), ort / 1e6 / steps,
                    opt / 1e6 / steps, (total - ort - opt) / 1e6 / steps);
        }
    }
}
