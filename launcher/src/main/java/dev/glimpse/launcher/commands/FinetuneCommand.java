package dev.glimpse.launcher.commands;

import dev.glimpse.datasets.DatasetSplit;
import dev.glimpse.launcher.GlimpseCommand;
import dev.glimpse.runtime.ModelMetadata;
import dev.glimpse.training.Evaluation;
import dev.glimpse.training.FineTuneJob;
import dev.glimpse.training.FreezePolicy;
import dev.glimpse.training.ModelFile;
import dev.glimpse.training.TrainingJob;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code ./glimpse finetune}: transfer learning from a model made by {@code ./glimpse train}. */
@Command(name = "finetune", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Transfer learning: retrain the head (or the last N weight layers) of a trained model, "
                + "optionally with a new head for another class set. Frozen weights stay bit-identical.")
public final class FinetuneCommand implements GlimpseCommand, Callable<Integer> {

    @Option(names = "--model", required = true, description = "model written by ./glimpse train or finetune")
    Path model;

    @Mixin
    TrainingDatasetOptions data = new TrainingDatasetOptions();

    @Option(names = "--freeze", description = "all-but-head (default) or none")
    String freeze;

    @Option(names = "--unfreeze-last", description = "train the last N weight layers (conv, bn and fc layers count; the head is one)")
    Integer unfreezeLast;

    @Option(names = "--backbone-lr-scale", defaultValue = "0.1", description = "learning-rate factor for unfrozen layers "
            + "other than the head (default: ${DEFAULT-VALUE})")
    double backboneLrScale;

    @Option(names = "--replace-head", description = "replace the classifier head by a new one with K classes")
    Integer replaceHead;

    @Mixin
    TrainingOptions training = new TrainingOptions();

    @Option(names = "--out", required = true, description = "where to write the fine-tuned model (.onnx)")
    Path out;

    @Option(names = "--version", description = "version in the metadata (default: the parent's version + 1)")
    String version;

    @Override
    public Integer call() throws Exception {
        return UsageErrors.report("finetune", this::execute);
    }

    private Integer execute() throws Exception {
        long start = System.nanoTime();
        if (freeze != null && unfreezeLast != null) {
            throw new IllegalArgumentException("give either --freeze or --unfreeze-last, not both");
        }
        FreezePolicy policy = unfreezeLast != null ? FreezePolicy.unfreezeLast(unfreezeLast)
                : FreezePolicy.parse(freeze != null ? freeze : "all-but-head");
        if (replaceHead != null && replaceHead < 1) {
            throw new IllegalArgumentException("--replace-head must be >= 1, got " + replaceHead);
        }
        ModelMetadata.requireContract(model);
        ModelFile.Loaded parent = ModelFile.load(model);
        DatasetSplit split = data.open();
        String command = "./glimpse finetune " + String.join(" ", CommandLines.current());
        FineTuneJob.Result r = FineTuneJob.finetune(parent, split, data.name(), policy, backboneLrScale,
                replaceHead == null ? 0 : replaceHead, training.config(), version, command, System.err);
        ModelFile.write(out, r.model());
        Evaluation e = r.test();
        for (String line : e.perClassLines()) {
            System.out.println(line);
        }
        System.out.println(e.overallLine());
        System.out.printf(Locale.ROOT, "trained %d of %d weight tensors (%s); test accuracy %.4f; training %.1f s; wall time %.1f s%n",
                r.trained().size(), r.parameters().weights().size(), String.join(",", r.trained()), e.accuracy(),
                r.report().trainSeconds(), (System.nanoTime() - start) / 1e9);
        System.out.printf(Locale.ROOT, "wrote %s (%,d bytes, %,d weights)%n", out, Files.size(out),
                TrainingJob.weightCount(r.parameters()));
        return 0;
    }
}
