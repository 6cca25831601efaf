package dev.glimpse.trainingservice;

import dev.glimpse.datasets.Dataset;
import dev.glimpse.datasets.DatasetSplit;
import dev.glimpse.datasets.Holdout;
import dev.glimpse.engine.onnx.Onnx;
import dev.glimpse.runtime.Preprocessor;
import dev.glimpse.training.Examples;
import dev.glimpse.training.FineTuneJob;
import dev.glimpse.training.FreezePolicy;
import dev.glimpse.training.ModelFile;
import dev.glimpse.training.TrainingConfig;
import dev.glimpse.training.TrainingMetadataKeys;
import dev.glimpse.training.imported.ImportedClassifier;
import dev.glimpse.training.imported.ImportedFineTune;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The transfer-learning recipe of the training module ({@link FineTuneJob}): start from the serving model's weights
 * and train the classifier head only ({@code unfreezeLast = 1}, {@code all-but-head}) or the last
 * {@code unfreezeLast} weight layers, the backbone part at {@code backboneLrScale} times the learning rate, with the
 * parent's preprocessing. Frozen weights stay bit-identical. When the examples have more classes than the model
 * outputs, the head is replaced by a fresh one with the new class count. A model not made by {@code ./glimpse train}
 * (an imported one) is trained as its ONNX graph ({@link ImportedFineTune}).
 */
public final class TransferLearningTrainer implements ModelTrainer {

    private final TrainingConfig config;
    private final FreezePolicy policy;
    private final double backboneLrScale;
    private final List<String> classNames;

    /**
     * @param unfreezeLast 1 = head only; n = the last n weight layers (conv, batch norm, fc; head included)
     * @param classNames   the classes the examples use, in output order
     */
    public TransferLearningTrainer(TrainingConfig config, int unfreezeLast, double backboneLrScale, List<String> classNames) {
        if (!(backboneLrScale > 0 && backboneLrScale <= 1)) {
            throw new IllegalArgumentException("backbone learning-rate scale must be in (0, 1], got " + backboneLrScale);
        }
        this.config = config.withProgress(false);
        this.policy = unfreezeLast == 1 ? FreezePolicy.allButHead() : FreezePolicy.unfreezeLast(unfreezeLast);
        this.backboneLrScale = backboneLrScale;
        this.classNames = List.copyOf(classNames);
    }

    @Override
    public Result fineTune(Path currentModel, Dataset train, Path out, String version, String parentVersion) throws Exception {
        byte[] bytes = Files.readAllBytes(currentModel);
        if (!ModelFile.metadata(Onnx.ModelProto.parseFrom(bytes)).containsKey(TrainingMetadataKeys.ARCHITECTURE)) {
            return fineTuneGraph(ImportedClassifier.of(bytes, currentModel.toString()), train, out, version);
        }
        ModelFile.Loaded parent = ModelFile.load(currentModel);
        int modelClasses = parent.network().numClasses();
        int replaceHead = train.numClasses() > modelClasses ? train.numClasses() : 0;
        int batch = Math.min(config.batchSize(), Math.max(1, train.size()));
        TrainingConfig run = new TrainingConfig(config.epochs(), batch, config.learningRate(), config.optimizer(),
                config.momentum(), config.weightDecay(), config.schedule(), config.warmupEpochs(),
                config.labelSmoothing(), config.seed(), config.maxShift(), config.flip(), config.batchNorm(),
                config.threads(), false);
        // FineTuneJob reports accuracy on a validation set each epoch; the service judges candidates on its own
        // holdout afterwards, so a small slice of the training data keeps that report cheap.
        Dataset validation = train.slice(0, Math.min(train.size(), 128));
        FineTuneJob.Result r = FineTuneJob.finetune(parent, new DatasetSplit(train, validation), train.name(), policy,
                backboneLrScale, replaceHead, run, version, "training-service " + policy.describe(),
                new PrintStream(OutputStream.nullOutputStream()));
        ModelFile.write(out, r.model());
        Map<String, String> hyper = new LinkedHashMap<>();
        run.asMap().forEach((k, v) -> hyper.put(k, String.valueOf(v)));
        hyper.put("recipe", policy.describe());
        hyper.put("backbone_lr_scale", Double.toString(backboneLrScale));
        hyper.put("replace_head", Integer.toString(replaceHead));
        hyper.put("trained_tensors", Integer.toString(r.trained().size()));
        long seen = (long) (train.size() / batch) * batch * run.epochs();
        return new Result(out, hyper, seen, r.wallSeconds(), r.report().examplesPerSecond());
    }

    /**
     * Fails, naming the reason, when no run could fine-tune {@code model}: neither a model of {@code ./glimpse train}
     * nor a classifier with a preprocessing contract and a findable head.
     */
    public static void checkFineTunable(Path model) throws Exception {
        byte[] bytes = Files.readAllBytes(model);
        if (ModelFile.metadata(Onnx.ModelProto.parseFrom(bytes)).containsKey(TrainingMetadataKeys.ARCHITECTURE)) {
            ModelFile.load(model);
        } else {
            ImportedClassifier.of(bytes, model.toString()).head(null);
        }
    }

    /**
     * Any other classifier (e.g. an imported torchvision export): the same recipe on the graph itself, batch norm
     * frozen, the examples preprocessed by the model's contract; a seeded tenth of them validates each epoch.
     */
    private Result fineTuneGraph(ImportedClassifier parent, Dataset train, Path out, String version) throws Exception {
        int modelClasses = parent.head(null).classes();
        int replaceHead = train.numClasses() > modelClasses ? train.numClasses() : 0;
        int batch = Math.min(config.batchSize(), Math.max(1, train.size()));
        TrainingConfig run = config.withBatchSize(batch).withProgress(false);
        Holdout holdout = new Holdout(0.1, run.seed());
        Preprocessor pre = parent.preprocessor();
        Examples fit = Examples.ofModelPixels(holdout.rest(train), pre);
        ImportedFineTune.Options options = new ImportedFineTune.Options(null, replaceHead,
                policy.unfreezeLast() == Integer.MAX_VALUE ? 1000 : policy.unfreezeLast(), backboneLrScale);
        ImportedFineTune.Result r = ImportedFineTune.run(parent, fit, Examples.ofModelPixels(holdout.part(train), pre), null, options,
                run, version, "training-service " + options.describe(), train.name() + " (" + train.size() + " examples)",
                new PrintStream(OutputStream.nullOutputStream()));
        ModelFile.write(out, r.model());
        Map<String, String> hyper = new LinkedHashMap<>();
        run.asMap().forEach((k, v) -> hyper.put(k, String.valueOf(v)));
        hyper.put("recipe", options.describe());
        hyper.put("backbone_lr_scale", Double.toString(backboneLrScale));
        hyper.put("replace_head", Integer.toString(replaceHead));
        hyper.put("trained_tensors", Integer.toString(r.plan().trainable().size()));
        long seen = (long) (fit.size() / batch) * batch * run.epochs();
        return new Result(out, hyper, seen, r.wallSeconds(), r.report().examplesPerSecond());
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "transfer learning (%s, backbone lr x%.2f, %s)", policy.describe(),
                backboneLrScale, config.asMap());
    }
}
