package dev.glimpse.launcher.commands;

import dev.glimpse.datasets.DatasetSplit;
import dev.glimpse.launcher.GlimpseCommand;
import dev.glimpse.training.Evaluation;
import dev.glimpse.training.TrainingJob;
import dev.glimpse.training.model.Architectures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code ./glimpse train}: trains a classifier from scratch on ONNX Runtime and writes the inference model. */
@Command(name = "train", sortOptions = false,
        description = "Train a CNN from scratch on ONNX Runtime; writes an inference ONNX model with metadata.")
public final class TrainCommand implements GlimpseCommand, Callable<Integer> {

    @Mixin
    HelpOption help = new HelpOption();

    @Mixin
    TrainingDatasetOptions data = new TrainingDatasetOptions();

    @Option(names = "--arch", defaultValue = "small", description = "seed, small, gap (conv blocks at half resolution + global average pooling: "
            + "finer Grad-CAM maps), or a layer list such as "
            + "'conv:8:3,relu,maxpool:2,flatten,fc:10' (default: ${DEFAULT-VALUE})")
    String arch;

    @Mixin
    TrainingOptions training = new TrainingOptions();

    @Option(names = "--out", required = true, description = "where to write the model (.onnx)")
    Path out;

    @Option(names = "--name", description = "model name in the metadata (default: the dataset name)")
    String name;

    @Option(names = "--version", defaultValue = "1", description = "model version in the metadata (default: ${DEFAULT-VALUE})")
    String version;

    @Override
    public Integer call() throws Exception {
        return UsageErrors.report("train", this::execute);
    }

    private Integer execute() throws Exception {
        long start = System.nanoTime();
        DatasetSplit split = data.open();
        String command = "./glimpse train " + String.join(" ", CommandLines.current());
        String modelName = name != null ? name : Path.of(data.name()).getFileName().toString();
        TrainingJob.Result r = TrainingJob.trainTo(out, modelName, split, data.validation(), data.name(), arch,
                training.config(), version, command, System.err);
        Evaluation e = r.test();
        double wall = (System.nanoTime() - start) / 1e9;
        for (String line : e.perClassLines()) {
            System.out.println(line);
        }
        System.out.println(e.overallLine());
        System.out.println(FinetuneCommand.accuracyLine(r.validation(), e));
        System.out.printf(Locale.ROOT, "arch %s (%s), %,d weights; training %.1f s (%,.0f examples/s); wall time %.1f s%n",
                r.network().arch(), r.network().spec(), TrainingJob.weightCount(r.parameters()),
                r.report().trainSeconds(), r.report().examplesPerSecond(), wall);
        System.out.printf(Locale.ROOT, "wrote %s (%,d bytes)%n", out, Files.size(out));
        return 0;
    }

    static String archHelp() {
        return String.join(", ", Architectures.NAMES);
    }
}
