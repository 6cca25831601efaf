package dev.glimpse.launcher.commands;

import dev.glimpse.engine.onnx.Onnx;
import dev.glimpse.explain.Batches;
import dev.glimpse.explain.ExplanationMethod;
import dev.glimpse.explain.Explainer;
import dev.glimpse.explain.Options;
import dev.glimpse.explain.Tensor;
import dev.glimpse.explain.gradient.EngineDifferentiators;
import dev.glimpse.explain.gradient.ReluRule;
import dev.glimpse.explain.methods.Methods;
import dev.glimpse.launcher.BenchSubcommand;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./glimpse bench explain}: forward time and each explanation's time with its ratio to the forward pass,
 * at batch 1 and 16 (median of repeated runs after a warm-up, same process, same input).
 */
@Command(name = "explain", mixinStandardHelpOptions = true,
        description = "Forward vs explanation times (ratio to forward) at batch 1 and 16.")
public final class BenchExplainCommand implements BenchSubcommand, Callable<Integer> {

    @Option(names = "--model", required = true, description = "ONNX model file")
    Path model;

    @Option(names = "--methods", split = ",", defaultValue = "gradcam,gradcam++,saliency,guided,featuremaps",
            description = "single-input methods timed at batch 1 (default: ${DEFAULT-VALUE})")
    List<String> methods;

    @Option(names = "--batches", split = ",", defaultValue = "1,16", description = "batch sizes for fused calls (default: ${DEFAULT-VALUE})")
    List<Integer> batches;

    @Option(names = "--repeats", defaultValue = "3", description = "timed runs per figure (median reported; default: ${DEFAULT-VALUE})")
    int repeats;

    interface Timed {
        void run() throws Exception;
    }

    @Override
    public Integer call() throws Exception {
        Onnx.ModelProto m = ModelFiles.read(model);
        int maxBatch = batches.stream().mapToInt(Integer::intValue).max().orElse(16);
        try (Explainer e = new Explainer(m, new EngineDifferentiators(), maxBatch)) {
            long[] s = e.inputShape();
            String layer = e.defaultLayer();
            System.out.printf(Locale.ROOT, "model %s, input %s, layer %s, %d threads%n", model, Arrays.toString(s), layer,
                    Runtime.getRuntime().availableProcessors());
            System.out.printf(Locale.ROOT, "%-26s %6s %12s %9s%n", "what", "batch", "median ms", "x forward");
            for (int b : batches) {
                Tensor x = random(b, s);
                Tensor seed = e.oneHot(b, 0);
                double fwd = median(() -> e.logits(x));
                row("forward", b, fwd, fwd);
                row("gradcam (fused fwd+bwd)", b, median(() -> e.gradients(null, layer, ReluRule.STANDARD, x, seed)), fwd);
                row("saliency (fused fwd+bwd)", b, median(() -> e.gradients(null, null, ReluRule.STANDARD, x, seed)), fwd);
                row("guided (fused fwd+bwd)", b, median(() -> e.gradients(null, null, ReluRule.GUIDED, x, seed)), fwd);
            }
            Tensor one = random(1, s);
            double fwd = median(() -> e.logits(one));
            int target = e.logits(one).argmax();
            for (String name : methods) {
                ExplanationMethod method = Methods.byName(name);
                var request = new ExplanationMethod.Request(one, target, layer, Options.none());
                row(name + " (method)", 1, median(() -> method.explain(e, request)), fwd);
            }
        }
        return 0;
    }

    private static void row(String what, int batch, double ms, double forwardMs) {
        System.out.printf(Locale.ROOT, "%-26s %6d %12.2f %9.2f%n", what, batch, ms, ms / forwardMs);
    }

    private double median(Timed t) throws Exception {
        t.run();
        List<Double> times = new ArrayList<>();
        for (int i = 0; i < Math.max(1, repeats); i++) {
            long start = System.nanoTime();
            t.run();
            times.add((System.nanoTime() - start) / 1e6);
        }
        times.sort(Double::compare);
        return times.get(times.size() / 2);
    }

    private static Tensor random(int n, long[] shape) {
        Random r = new Random(7);
        int[] s = new int[shape.length];
        for (int i = 0; i < s.length; i++) {
            s[i] = (int) Math.max(1, shape[i]);
        }
        Tensor one = Tensor.zeros(s);
        for (int i = 0; i < one.size(); i++) {
            one.data()[i] = (float) r.nextGaussian();
        }
        return Batches.repeat(one, n);
    }
}
