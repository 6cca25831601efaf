package dev.glimpse.launcher.commands;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtLoggingLevel;
import dev.glimpse.explain.ort.LargeStack;
import java.util.LinkedHashMap;
import java.util.Map;
import dev.glimpse.engine.autodiff.ReluRule;
import dev.glimpse.engine.onnx.Onnx;
import dev.glimpse.explain.Batches;
import dev.glimpse.explain.BatchedMethod;
import dev.glimpse.explain.ExplanationMethod;
import dev.glimpse.explain.Explainer;
import dev.glimpse.explain.Options;
import dev.glimpse.explain.Tensor;
import dev.glimpse.explain.gradient.EngineDifferentiators;
import dev.glimpse.explain.methods.Methods;
import dev.glimpse.launcher.BenchSubcommand;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
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
        description = "Forward vs explanation times (ratio to forward) at batch 1 and 16; a micro-batch explained one "
                + "input at a time vs in one call per pass.")
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

    @Option(names = "--torch-arch", description = "torchvision architecture of the model (e.g. resnet18): first, time the "
            + "first explanation (sessions built) against a PyTorch Grad-CAM on the same architecture and seeded weights; "
            + "when --model does not exist it is exported first (explain/src/main/python/gradcam_torch.py)")
    String torchArch;

    @Option(names = "--torch-seed", defaultValue = "0", description = "seed of the PyTorch weights (default: ${DEFAULT-VALUE})")
    int torchSeed;

    @Option(names = "--python", defaultValue = "/usr/bin/python3", description = "Python with torch (default: ${DEFAULT-VALUE})")
    String python;

    interface Timed {
        void run() throws Exception;
    }

    @Override
    public Integer call() throws Exception {
        // ONNX Runtime warns about every initializer the backward graph leaves unused; errors are what matter here
        OrtEnvironment.getEnvironment(OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR, "glimpse");
        // deep models recurse deeply in native ONNX Runtime code on the calling thread (see LargeStack)
        return LargeStack.call(this::execute);
    }

    private Integer execute() throws Exception {
        if (torchArch != null) {
            firstExplanationAgainstTorch();
        }
        Onnx.ModelProto m = ModelFiles.read(model);
        int maxBatch = batches.stream().mapToInt(Integer::intValue).max().orElse(16);
        try (Explainer e = new Explainer(m, new EngineDifferentiators(), maxBatch)) {
            long[] s = e.inputShape();
            String layer = e.defaultLayer();
            System.out.printf(Locale.ROOT, "model %s, input %s, layer %s, %d threads%n", model, Arrays.toString(s), layer,
                    Runtime.getRuntime().availableProcessors());
            System.out.printf(Locale.ROOT, "%-34s %6s %10s %9s %10s %9s%n", "what", "batch", "median ms", "x forward",
                    "min ms", "x fwd(min)");
            for (int b : batches) {
                Tensor x = random(b, s);
                Tensor seed = e.oneHot(b, 0);
                // interleaved rounds: every figure of a round sees the same machine load, so ratios stay honest
                // on a shared machine
                List<String> names = List.of("forward", "gradcam (fused fwd+bwd)", "saliency (fused fwd+bwd)", "guided (fused fwd+bwd)");
                List<Timed> runs = List.of(
                        () -> e.logits(x),
                        () -> e.gradients(null, layer, ReluRule.STANDARD, x, seed),
                        () -> e.gradients(null, null, ReluRule.STANDARD, x, seed),
                        () -> e.gradients(null, null, ReluRule.GUIDED, x, seed));
                report(names, runs, b);
                if (b > 1) {
                    report(microBatch(e, x, layer), b);
                }
            }
            Tensor one = random(1, s);
            int target = e.logits(one).argmax();
            List<String> names = new ArrayList<>(List.of("forward"));
            List<Timed> runs = new ArrayList<>(List.of(() -> e.logits(one)));
            for (String name : methods) {
                ExplanationMethod method = Methods.byName(name);
                var request = new ExplanationMethod.Request(one, target, layer, Options.none());
                names.add(name + " (method)");
                runs.add(() -> method.explain(e, request));
            }
            report(names, runs, 1);
        }
        return 0;
    }

    /**
     * The first Grad-CAM of a freshly loaded model, sessions built included (Explainer opened, gradcam prepared and
     * run on one input), next to PyTorch's first Grad-CAM on the same architecture, and the ratio. Runs before any
     * other figure, so that nothing is warm.
     */
    private void firstExplanationAgainstTorch() throws Exception {
        Path script = Path.of("explain/src/main/python/gradcam_torch.py");
        if (!Files.isRegularFile(script)) {
            throw new IllegalArgumentException("--torch-arch needs " + script + " (run from the repository root)");
        }
        if (!Files.exists(model)) {
            System.out.println("exporting " + torchArch + " (seed " + torchSeed + ") to " + model);
            runPython(List.of(python, script.toString(), "--arch", torchArch, "--seed", Integer.toString(torchSeed),
                    "--export", model.toString(), "--repeats", "0"));
        }
        Onnx.ModelProto m = ModelFiles.read(model);
        // as in the explain worker, the target comes with the request (a prediction's top-1): one fused call answers it
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long cpuStart = os.getProcessCpuTime();
        long start = System.nanoTime();
        double openMs;
        double sessionsMs;
        // sessions as ./glimpse explain opens them (fast to open: the first explanation is what is timed)
        try (Explainer e = new Explainer(m, EngineDifferentiators.forFewCalls(), 1)) {
            openMs = (System.nanoTime() - start) / 1e6;
            String layer = e.defaultLayer();
            ExplanationMethod gradcam = Methods.byName("gradcam");
            long built = System.nanoTime();
            gradcam.prepare(e, layer);
            sessionsMs = (System.nanoTime() - built) / 1e6;
            Tensor one = random(1, e.inputShape());
            gradcam.explain(e, new ExplanationMethod.Request(one, 0, layer, Options.none()));
        }
        double glimpseMs = (System.nanoTime() - start) / 1e6;
        // CPU time of every thread (ONNX Runtime's, the JIT's): on a shared machine wall time mostly measures the queue
        double glimpseCpuMs = (os.getProcessCpuTime() - cpuStart) / 1e6;
        String json = runPython(List.of(python, script.toString(), "--arch", torchArch, "--seed", Integer.toString(torchSeed),
                "--threads", Integer.toString(Runtime.getRuntime().availableProcessors())));
        var torch = new ObjectMapper().readTree(json.substring(json.lastIndexOf('{')));
        double torchFirst = torch.get("first_ms").asDouble();
        System.out.printf(Locale.ROOT, "first explanation after load (gradcam, batch 1): glimpse %.0f ms (model opened and its "
                + "shapes found %.0f ms, gradcam session built %.0f ms, first call %.0f ms) vs pytorch %.0f ms (its later "
                + "calls: median %.0f ms); ratio %.2f (goal <= 2)%n",
                glimpseMs, openMs, sessionsMs, glimpseMs - openMs - sessionsMs, torchFirst, torch.get("median_ms").asDouble(), glimpseMs / torchFirst);
        double torchCpu = torch.get("first_cpu_ms").asDouble();
        System.out.printf(Locale.ROOT, "  cpu time of the same: glimpse %.0f ms vs pytorch %.0f ms; ratio %.2f%n",
                glimpseCpuMs, torchCpu, glimpseCpuMs / torchCpu);
    }

    private static String runPython(List<String> cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IllegalArgumentException(String.join(" ", cmd) + " failed (is torch installed?):\n" + out);
        }
        return out;
    }

    /**
     * A micro-batch of b inputs explained as the explain worker did before (one input at a time) and as it does now
     * (one call per pass, {@link BatchedMethod}); ratios are to one forward pass of the whole batch.
     */
    private Map<String, Timed> microBatch(Explainer e, Tensor x, String layer) {
        int b = x.dim(0);
        int[] targets = new int[b];
        for (int i = 0; i < b; i++) {
            targets[i] = i % e.numClasses();
        }
        Map<String, Timed> runs = new LinkedHashMap<>();
        runs.put("forward", () -> e.logits(x));
        for (String name : methods) {
            ExplanationMethod method = Methods.byName(name);
            runs.put(name + " one at a time", () -> {
                for (int i = 0; i < b; i++) {
                    method.explain(e, new ExplanationMethod.Request(Batches.range(x, i, i + 1), targets[i], layer, Options.none()));
                }
            });
            runs.put(name + " micro-batch", () -> BatchedMethod.run(method, e, x, targets, layer, Options.none()));
        }
        return runs;
    }

    private void report(Map<String, Timed> runs, int batch) throws Exception {
        report(new ArrayList<>(runs.keySet()), new ArrayList<>(runs.values()), batch);
    }

    private void report(List<String> names, List<Timed> runs, int batch) throws Exception {
        for (Timed t : runs) {
            t.run();
        }
        double[][] times = new double[runs.size()][Math.max(1, repeats)];
        for (int r = 0; r < times[0].length; r++) {
            for (int i = 0; i < runs.size(); i++) {
                long start = System.nanoTime();
                runs.get(i).run();
                times[i][r] = (System.nanoTime() - start) / 1e6;
            }
        }
        for (double[] t : times) {
            Arrays.sort(t);
        }
        double fwdMedian = times[0][times[0].length / 2];
        double fwdMin = times[0][0];
        for (int i = 0; i < runs.size(); i++) {
            double median = times[i][times[i].length / 2];
            System.out.printf(Locale.ROOT, "%-34s %6d %10.2f %9.2f %10.2f %9.2f%n", names.get(i), batch, median,
                    median / fwdMedian, times[i][0], times[i][0] / fwdMin);
        }
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
