package dev.glimpse.training.imported;

import dev.glimpse.training.MetadataValues;
import ai.onnxruntime.OrtException;
import dev.glimpse.engine.onnx.Onnx;
import dev.glimpse.engine.onnx.Onnx.ModelProto;
import dev.glimpse.runtime.ModelMetadataKeys;
import dev.glimpse.training.Evaluation;
import dev.glimpse.training.Examples;
import dev.glimpse.training.FineTuneJob;
import dev.glimpse.training.Trainer;
import dev.glimpse.training.TrainingConfig;
import dev.glimpse.training.TrainingMetadataKeys;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Transfer learning on any ONNX classifier with a preprocessing contract: optionally a new head, then the head (and
 * the last layers at a scaled learning rate) trained by the shared {@link Trainer} loop on the graph itself,
 * validated on examples held out from the training data, tested once at the end. The result keeps every frozen
 * initializer of the parent byte for byte, under its name, and carries the parent's metadata with the lineage.
 */
public final class ImportedFineTune {

    /**
     * @param head            the head's output tensor, or null to find it
     * @param replaceHead     classes of a fresh head, or 0 to keep the parent's
     * @param unfreezeLast    weight layers to train, the head included (1 = head only)
     * @param backboneLrScale learning-rate factor of the trained layers other than the head
     */
    public record Options(String head, int replaceHead, int unfreezeLast, double backboneLrScale) {

        public Options {
            if (replaceHead < 0) {
                throw new IllegalArgumentException("--replace-head must be >= 1, got " + replaceHead);
            }
            if (unfreezeLast < 1) {
                throw new IllegalArgumentException("--unfreeze-last must be >= 1, got " + unfreezeLast);
            }
            if (!(backboneLrScale > 0 && backboneLrScale <= 1)) {
                throw new IllegalArgumentException("--backbone-lr-scale must be in (0, 1], got '" + backboneLrScale + "'");
            }
        }

        public String describe() {
            return (unfreezeLast == 1 ? "head only" : "unfreeze-last " + unfreezeLast + " backbone-lr-scale=" + backboneLrScale)
                    + (replaceHead > 0 ? " replace-head=" + replaceHead : "");
        }
    }

    /** @param test null when no test examples were given */
    public record Result(ModelProto model, FineTunePlan plan, Trainer.Report report, Evaluation validation,
                         Evaluation test, double wallSeconds) {
    }

    private ImportedFineTune() {
    }

    /**
     * @param validation examples held out from the training data, measured every epoch (may be null)
     * @param test       examples for the final report only (may be null)
     * @param dataset    what the examples are, for the metadata (e.g. {@code shapes-folder (train 180, validation 20)})
     */
    public static Result run(ImportedClassifier parent, Examples train, Examples validation, Examples test, Options options,
                             TrainingConfig config, String version, String command, String dataset, PrintStream log)
            throws OrtException {
        long start = System.nanoTime();
        int datasetClasses = train.classNames().size();
        FineTunePlan plan = parent.plan(options.head(), options.replaceHead(), options.unfreezeLast(), config.seed());
        if (options.replaceHead() > 0 && options.replaceHead() < datasetClasses) {
            throw new IllegalArgumentException("--replace-head " + options.replaceHead() + " is fewer than the "
                    + datasetClasses + " classes of " + train.name());
        }
        if (options.replaceHead() == 0 && datasetClasses > plan.classes()) {
            throw new IllegalArgumentException("the model has " + plan.classes() + " classes but " + train.name() + " has "
                    + datasetClasses + "; use --replace-head " + datasetClasses);
        }
        Map<String, Double> lrScale = new HashMap<>();
        for (String w : plan.trainable()) {
            if (!plan.headWeights().contains(w)) {
                lrScale.put(w, options.backboneLrScale());
            }
        }
        log.printf(Locale.ROOT, "fine-tuning %s v%s: head %s, %s, %d trainable tensors%n", parent.contract().name(),
                parent.contract().version(), plan.head().describe(), options.describe(), plan.trainable().size());
        Trainer.Report report;
        Evaluation testResult = null;
        ModelProto trained;
        try (ImportedGraphTraining model = new ImportedGraphTraining(plan, config)) {
            report = new Trainer(config, log).fit(model, train, validation, lrScale);
            if (test != null && test.size() > 0) {
                testResult = model.evaluate(test, train.classNames());
            }
            trained = model.trainedModel();
        }
        String parentVersion = parent.contract().version();
        String childVersion = version != null ? version : FineTuneJob.nextVersion(parentVersion);
        Map<String, String> meta = metadata(parent, plan, train, report.validation(), testResult, options, config,
                childVersion, command, dataset);
        ModelProto.Builder out = trained.toBuilder().clearMetadataProps();
        meta.forEach((k, v) -> out.addMetadataProps(Onnx.StringStringEntryProto.newBuilder().setKey(k).setValue(v)));
        return new Result(out.build(), plan, report, report.validation(), testResult, (System.nanoTime() - start) / 1e9);
    }

    /** The parent's metadata (its preprocessing contract and anything else it carries), updated with the lineage. */
    static Map<String, String> metadata(ImportedClassifier parent, FineTunePlan plan, Examples train, Evaluation validation,
                                        Evaluation test, Options options, TrainingConfig config, String version,
                                        String command, String dataset) {
        Map<String, String> m = new LinkedHashMap<>(parent.metadata());
        m.remove(TrainingMetadataKeys.ARCHITECTURE); // describes a Glimpse layer list, which this graph is not
        m.remove(TrainingMetadataKeys.ARCH_NAME);
        m.put(ModelMetadataKeys.NAME, parent.contract().name());
        m.put(ModelMetadataKeys.VERSION, version);
        m.put(ModelMetadataKeys.PARENT_VERSION, parent.contract().version());
        if (options.replaceHead() > 0) {
            List<String> labels = new ArrayList<>(train.classNames());
            while (labels.size() < plan.classes()) {
                labels.add(Integer.toString(labels.size())); // room for classes not seen yet
            }
            m.put(ModelMetadataKeys.LABELS, MetadataValues.json(labels));
        }
        m.putIfAbsent(ModelMetadataKeys.EMBEDDING_OUTPUT, plan.head().features());
        m.put(ModelMetadataKeys.TRAINING_WINDOW, train.name() + "[0:" + train.size() + "]");
        m.put(ModelMetadataKeys.METRICS, MetadataValues.metrics(test, validation));
        Map<String, Object> hyper = new LinkedHashMap<>(config.asMap());
        hyper.put("head", plan.head().output());
        hyper.put("replace_head", options.replaceHead());
        hyper.put("unfreeze_last", options.unfreezeLast());
        hyper.put("backbone_lr_scale", options.backboneLrScale());
        hyper.put("trained_tensors", plan.trainable());
        m.put(TrainingMetadataKeys.HYPERPARAMETERS, MetadataValues.json(hyper));
        m.put(TrainingMetadataKeys.SEED, Long.toString(config.seed()));
        m.put(TrainingMetadataKeys.DATASET, dataset);
        m.put(TrainingMetadataKeys.MODE, "finetune " + options.describe());
        m.put(TrainingMetadataKeys.PARENT, parent.contract().name() + " v" + parent.contract().version() + " sha256:"
                + parent.sha256());
        if (command != null && !command.isEmpty()) {
            m.put(TrainingMetadataKeys.COMMAND, command);
        }
        return m;
    }
}
