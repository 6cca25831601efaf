package dev.glimpse.launcher.commands;

import dev.glimpse.datasets.DatasetSplit;
import dev.glimpse.engine.onnx.Onnx;
import dev.glimpse.launcher.GlimpseCommand;
import dev.glimpse.runtime.ModelMetadata;
import dev.glimpse.runtime.ModelMetadataKeys;
import dev.glimpse.runtime.Preprocessor;
import dev.glimpse.training.Evaluation;
import dev.glimpse.training.Examples;
import dev.glimpse.training.FineTuneJob;
import dev.glimpse.training.FreezePolicy;
import dev.glimpse.training.ImageFolderSplit;
import dev.glimpse.training.ModelFile;
import dev.glimpse.training.TrainingJob;
import dev.glimpse.training.TrainingMetadataKeys;
import dev.glimpse.training.imported.ImportedClassifier;
import dev.glimpse.training.imported.ImportedFineTune;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ./glimpse finetune}: transfer learning. Any ONNX classifier with a preprocessing contract is trained as
 * the graph it is (head found or named, BatchNormalization frozen); a model made by {@code ./glimpse train} keeps its
 * own recipe (its layer list, batch norm in training form unless --batch-norm frozen).
 */
@Command(name = "finetune", sortOptions = false,
        description = "Transfer learning: retrain the classifier head (or the last N weight layers) of an ONNX classifier, "
                + "optionally with a new head for another class set. Frozen weights stay bit-identical.")
public final class FinetuneCommand implements GlimpseCommand, Callable<Integer> {

    @Mixin
    HelpOption help = new HelpOption();

    @Option(names = "--model", required = true, description = "ONNX classifier with a preprocessing contract "
            + "(./glimpse models import), or a model written by ./glimpse train or finetune")
    Path model;

    @Mixin
    TrainingDatasetOptions data = new TrainingDatasetOptions();

    @Option(names = "--head", description = "output tensor of the classifier head (a Gemm, MatMul(+Add) or 1x1 Conv); "
            + "default: found by walking back from the first output")
    String head;

    @Option(names = "--freeze", description = "all-but-head (default) or none (models made by ./glimpse train)")
    String freeze;

    @Option(names = "--unfreeze-last", description = "train the last N weight layers (Conv, BatchNormalization scale/bias, "
            + "Gemm/MatMul; the head is one)")
    Integer unfreezeLast;

    @Option(names = "--backbone-lr-scale", defaultValue = "0.1", description = "learning-rate factor for unfrozen layers "
            + "other than the head (default: ${DEFAULT-VALUE})")
    double backboneLrScale;

    @Option(names = "--replace-head", description = "replace the classifier head by a new one with K classes "
            + "(labels: the dataset's class names)")
    Integer replaceHead;

    @Mixin
    TrainingOptions training = new TrainingOptions();

    @Option(names = "--out", required = true, description = "where to write the fine-tuned model (.onnx)")
    Path out;

    @Option(names = "--name", description = "model name in the metadata (default: the parent's name)")
    String name;

    @Option(names = "--version", description = "version in the metadata (default: the parent's version + 1)")
    String version;

    @Override
    public Integer call() throws Exception {
        return UsageErrors.report("finetune", this::execute);
    }

    private Integer execute() throws Exception {
        if (freeze != null && unfreezeLast != null) {
            throw new IllegalArgumentException("give either --freeze or --unfreeze-last, not both");
        }
        if (replaceHead != null && replaceHead < 1) {
            throw new IllegalArgumentException("--replace-head must be >= 1, got " + replaceHead);
        }
        if (!Files.isRegularFile(model)) {
            throw new IllegalArgumentException("--model: file not found: " + model);
        }
        ModelMetadata.requireContract(model);
        String command = "./glimpse finetune " + String.join(" ", CommandLines.current());
        boolean madeByTrain = head == null && ModelFile.metadata(Onnx.ModelProto.parseFrom(Files.readAllBytes(model)))
                .containsKey(TrainingMetadataKeys.ARCHITECTURE);
        return madeByTrain ? glimpseNetwork(command) : anyClassifier(command);
    }

    private Integer anyClassifier(String command) throws Exception {
        long start = System.nanoTime();
        if (freeze != null && !freeze.equals("all-but-head")) {
            throw new IllegalArgumentException("--freeze " + freeze + ": use --unfreeze-last N for an imported model");
        }
        ImportedClassifier parent = ImportedClassifier.load(model);
        parent.head(head); // no head, or an unknown --head: say so before reading any image
        Preprocessor pre = parent.preprocessor();
        Examples train;
        Examples validation;
        Examples test;
        String dataset;
        if (data.isImageFolder()) {
            ImageFolderSplit split = data.openFolder();
            String name = Path.of(data.name()).getFileName().toString();
            train = Examples.of(split.train(), name + "/train", pre);
            validation = Examples.of(split.validation(), name + "/validation", pre);
            test = Examples.of(split.test(), name + "/test", pre);
            dataset = split.describe();
        } else {
            DatasetSplit split = data.open();
            train = Examples.of(data.validation().rest(split.train()), pre);
            validation = Examples.of(data.validation().part(split.train()), pre);
            test = Examples.of(split.test(), pre);
            dataset = data.name() + ": train " + train.size() + ", validation " + validation.size() + ", test " + test.size();
        }
        System.err.println("dataset " + dataset);
        if (replaceHead == null) {
            // the model keeps its head: each class of the data trains the output of the same name
            List<String> labels = parent.contract().labels();
            train = train.inLabelOrder(labels);
            validation = validation.inLabelOrder(labels);
            test = test.inLabelOrder(labels);
        }
        ImportedFineTune.Options options = new ImportedFineTune.Options(head, replaceHead == null ? 0 : replaceHead,
                unfreezeLast == null ? 1 : unfreezeLast, backboneLrScale);
        ImportedFineTune.Result r = ImportedFineTune.run(parent, train, validation, test, options, training.config(),
                version, command, dataset, System.err);
        ModelFile.write(out, named(r.model()));
        if (r.test() != null) {
            r.test().perClassLines().forEach(System.out::println);
            System.out.println(r.test().overallLine());
        }
        System.out.println(accuracyLine(r.validation(), r.test()));
        long bn = r.model().getGraph().getNodeList().stream().filter(n -> n.getOpType().equals("BatchNormalization")).count();
        System.out.printf(Locale.ROOT, "head %s%s; trained %s; %d BatchNormalization nodes kept; %d epochs, training %.1f s, "
                        + "wall time %.1f s%n", r.plan().head().describe(),
                replaceHead != null ? " replaced by " + replaceHead + " classes" : "", String.join(", ", r.plan().trainable()), bn,
                r.report().epochs().size(), r.report().trainSeconds(), (System.nanoTime() - start) / 1e9);
        System.out.printf(Locale.ROOT, "wrote %s (%,d bytes)%n", out, Files.size(out));
        return 0;
    }

    private Integer glimpseNetwork(String command) throws Exception {
        long start = System.nanoTime();
        FreezePolicy policy = unfreezeLast != null ? FreezePolicy.unfreezeLast(unfreezeLast)
                : FreezePolicy.parse(freeze != null ? freeze : "all-but-head");
        ModelFile.Loaded parent = ModelFile.load(model);
        DatasetSplit split = data.open();
        FineTuneJob.Result r = FineTuneJob.finetune(parent, split, data.name(), policy, backboneLrScale,
                replaceHead == null ? 0 : replaceHead, training.config(), version, command, System.err);
        ModelFile.write(out, named(r.model()));
        Evaluation e = r.test();
        for (String line : e.perClassLines()) {
            System.out.println(line);
        }
        System.out.println(e.overallLine());
        System.out.println(accuracyLine(r.validation(), e));
        System.out.printf(Locale.ROOT, "trained %d of %d weight tensors (%s); training %.1f s; wall time %.1f s%n",
                r.trained().size(), r.parameters().weights().size(), String.join(",", r.trained()),
                r.report().trainSeconds(), (System.nanoTime() - start) / 1e9);
        System.out.printf(Locale.ROOT, "wrote %s (%,d bytes, %,d weights)%n", out, Files.size(out),
                TrainingJob.weightCount(r.parameters()));
        return 0;
    }

    /** The model under --name when given (a fine-tuned model is a new model, not another version of its parent). */
    private Onnx.ModelProto named(Onnx.ModelProto tuned) {
        if (name == null) {
            return tuned;
        }
        if (name.isBlank()) {
            throw new IllegalArgumentException("--name must not be blank");
        }
        Onnx.ModelProto.Builder b = tuned.toBuilder();
        for (int i = 0; i < b.getMetadataPropsCount(); i++) {
            if (b.getMetadataProps(i).getKey().equals(ModelMetadataKeys.NAME)) {
                b.setMetadataProps(i, b.getMetadataProps(i).toBuilder().setValue(name));
                return b.build();
            }
        }
        return b.addMetadataProps(Onnx.StringStringEntryProto.newBuilder().setKey(ModelMetadataKeys.NAME).setValue(name))
                .build();
    }

    /** "validation accuracy A (N held out from the training data); test accuracy B (M)", either part may be absent. */
    static String accuracyLine(Evaluation validation, Evaluation test) {
        String v = validation == null ? "validation accuracy - (no examples held out)"
                : String.format(Locale.ROOT, "validation accuracy %.4f (%d examples held out from the training data)",
                validation.accuracy(), validation.total());
        String t = test == null ? "test accuracy - (no test examples)"
                : String.format(Locale.ROOT, "test accuracy %.4f (%d test examples)", test.accuracy(), test.total());
        return v + "; " + t;
    }
}
