package dev.glimpse.launcher.commands;

import dev.glimpse.launcher.BenchSubcommand;
import dev.glimpse.training.TrainingBenchmark;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./glimpse bench train}: training examples/s of the seed CNN at batch 64 with Adam on ONNX Runtime, and of
 * the same network and settings in PyTorch (training/src/main/python/bench_train_torch.py) in the same run.
 */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Training throughput (examples/s) of the seed CNN with Adam: Glimpse on ONNX Runtime vs PyTorch.")
public final class BenchTrainCommand implements BenchSubcommand, Callable<Integer> {

    @Option(names = "--arch", defaultValue = "seed", description = "network (default: ${DEFAULT-VALUE}; PyTorch runs only the seed CNN)")
    String arch;

    @Option(names = "--batch", defaultValue = "64", description = "batch size (default: ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--steps", defaultValue = "300", description = "timed steps (default: ${DEFAULT-VALUE})")
    int steps;

    @Option(names = "--threads", defaultValue = "0", description = "threads for both sides (0 = each library's default)")
    int threads;

    @Option(names = "--python", defaultValue = "/usr/bin/python3", description = "Python with torch (default: ${DEFAULT-VALUE})")
    String python;

    @Option(names = "--script", description = "PyTorch script (default: training/src/main/python/bench_train_torch.py "
            + "under the current directory)")
    Path script;

    @Override
    public Integer call() throws Exception {
        return UsageErrors.report("bench train", this::execute);
    }

    private Integer execute() throws Exception {
        if (batch < 1 || steps < 1) {
            throw new IllegalArgumentException("--batch and --steps must be >= 1");
        }
        TrainingBenchmark.Result g = TrainingBenchmark.run(arch, batch, steps, 20, threads);
        System.out.printf(Locale.ROOT, "glimpse (ONNX Runtime, engine autodiff): %s CNN, batch %d, Adam: %,.0f examples/s "
                        + "(per step: %.2f ms in OrtSession.run, %.3f ms Java Adam update, %.3f ms other)%n",
                arch, batch, g.examplesPerSecond(), g.ortMsPerStep(), g.optimizerMsPerStep(), g.otherMsPerStep());
        System.out.printf(Locale.ROOT, "  the Java optimizer is %.1f%% of a step, so moving the update into the graph could "
                + "save at most that%n", 100 * g.optimizerMsPerStep() / (g.ortMsPerStep() + g.optimizerMsPerStep() + g.otherMsPerStep()));
        if (!arch.equals("seed")) {
            System.out.println("pytorch: skipped (the reference script implements only --arch seed)");
            return 0;
        }
        Path py = script != null ? script : Path.of("training/src/main/python/bench_train_torch.py");
        Double torch = runTorch(py);
        if (torch != null) {
            System.out.printf(Locale.ROOT, "pytorch: %,.0f examples/s%n", torch);
            System.out.printf(Locale.ROOT, "ratio glimpse/pytorch: %.2fx%n", g.examplesPerSecond() / torch);
        }
        return 0;
    }

    private Double runTorch(Path py) throws IOException, InterruptedException {
        if (!Files.isExecutable(Path.of(python))) {
            System.out.println("pytorch: skipped (" + python + " not found)");
            return null;
        }
        if (!Files.isRegularFile(py)) {
            System.out.println("pytorch: skipped (script " + py + " not found; run from the repository root or pass --script)");
            return null;
        }
        List<String> cmd = new ArrayList<>(List.of(python, py.toString(), "--batch", Integer.toString(batch),
                "--steps", Integer.toString(steps), "--threads", Integer.toString(threads)));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String result = null;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                if (line.startsWith("examples_per_second=")) {
                    result = line.substring("examples_per_second=".length());
                }
            }
        }
        if (!p.waitFor(30, TimeUnit.MINUTES) || p.exitValue() != 0 || result == null) {
            System.out.println("pytorch: skipped (" + python + " could not run the script; is torch installed? exit "
                    + (p.isAlive() ? "timeout" : p.exitValue()) + ")");
            p.destroy();
            return null;
        }
        return Double.parseDouble(result);
    }
}
