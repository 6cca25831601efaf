package dev.glimpse.launcher.commands;

import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.glimpse.datasets.Dataset;
import dev.glimpse.datasets.DatasetSplit;
import dev.glimpse.launcher.GlimpseCommand;
import dev.glimpse.datasets.ImageFolder;
import dev.glimpse.runtime.ModelMetadata;
import dev.glimpse.runtime.Preprocessor;
import dev.glimpse.training.Examples;
import dev.glimpse.training.ImageFolderSplit;
import dev.glimpse.training.Evaluation;
import dev.glimpse.training.Evaluator;
import dev.glimpse.training.Normalization;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code ./glimpse evaluate}: accuracy, per-class accuracy and confusion matrix of a model on a test set. */
@Command(name = "evaluate", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Accuracy, per-class accuracy (\"Test Accuracy of Coat: 85%% (850/1000)\") and confusion matrix.")
public final class EvaluateCommand implements GlimpseCommand, Callable<Integer> {

    @Option(names = "--model", required = true, description = "ONNX classifier; preprocessing from its metadata")
    Path model;

    @Mixin
    TrainingDatasetOptions data = new TrainingDatasetOptions();

    @Option(names = "--split", description = "image folder: all (default), train, validation or test; "
            + "fashion-mnist and shapes: test (default), train or validation. Parts as finetune and train draw them "
            + "(--validation-fraction, --test-fraction, --split-seed)")
    String split;

    @Option(names = "--json", description = "print one JSON object instead of text")
    boolean json;

    @Option(names = "--batch", defaultValue = "256", description = "inference batch size (default: ${DEFAULT-VALUE})")
    int batch;

    @Override
    public Integer call() throws Exception {
        return UsageErrors.report("evaluate", this::execute);
    }

    private Integer execute() throws Exception {
        if (!Files.isRegularFile(model)) {
            throw new IllegalArgumentException("--model: file not found: " + model);
        }
        if (data.isImageFolder()) {
            return evaluateFolder();
        }
        String part = split == null ? "test" : split;
        DatasetSplit s = data.open();
        Dataset set = switch (part) {
            case "test" -> s.test();
            case "train" -> data.validation().rest(s.train());
            case "validation" -> data.validation().part(s.train());
            default -> throw new IllegalArgumentException("--split must be test, train or validation, got '" + part + "'");
        };
        long start = System.nanoTime();
        try (OrtSession session = Evaluator.session(Files.readAllBytes(model), 0)) {
            ModelMetadata meta = ModelMetadata.read(session);
            if (meta.channels() != set.channels() || meta.height() != set.height() || meta.width() != set.width()) {
                throw new IllegalArgumentException("model " + model + " takes " + meta.colour().key() + " " + meta.height() + "x"
                        + meta.width() + " but dataset " + set.name() + " is " + set.colour() + " " + set.height() + "x" + set.width());
            }
            if (meta.labels().size() < set.numClasses()) {
                throw new IllegalArgumentException("model has " + meta.labels().size() + " classes, dataset " + set.name()
                        + " has " + set.numClasses());
            }
            Evaluation e = Evaluator.evaluate(session, set, new Normalization(meta.mean(), meta.std()), meta.labels(), batch);
            report(meta, set.name(), e, (System.nanoTime() - start) / 1e9);
            return 0;
        }
    }

    /** Every image of the folder (or one part of it), each preprocessed as the model's metadata says. */
    private Integer evaluateFolder() throws Exception {
        ImageFolderSplit folder = data.openFolder();
        String part = split == null ? "all" : split;
        ImageFolder images = folder.part(part);
        long start = System.nanoTime();
        try (OrtSession session = Evaluator.session(Files.readAllBytes(model), 0)) {
            ModelMetadata meta = ModelMetadata.read(session);
            if (meta.labels().size() < images.classNames().size()) {
                throw new IllegalArgumentException("model has " + meta.labels().size() + " classes, dataset " + data.name()
                        + " has " + images.classNames().size());
            }
            String name = Path.of(data.name()).getFileName() + "/" + part;
            // folder classes are sorted by name: score them against the model's outputs of the same names
            Examples examples = Examples.of(images, name, new Preprocessor(meta)).inLabelOrder(meta.labels());
            Evaluation e = Evaluator.evaluate(session, examples, meta.labels(), batch);
            report(meta, name, e, (System.nanoTime() - start) / 1e9);
            return 0;
        }
    }

    private void report(ModelMetadata meta, String datasetName, Evaluation e, double seconds) throws Exception {
        if (json) {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("model", model.toString());
            out.put("model_name", meta.name());
            out.put("model_version", meta.version());
            out.put("dataset", datasetName);
            out.putAll(e.asMap());
            out.put("seconds", seconds);
            System.out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(out));
        } else {
            System.out.printf(Locale.ROOT, "model %s (%s v%s) on %s: %,d images in %.1f s%n", model, meta.name(),
                    meta.version(), datasetName, e.total(), seconds);
            System.out.printf(Locale.ROOT, "Test Loss: %.6f%n%n", e.meanLoss());
            for (String line : e.perClassLines()) {
                System.out.println(line);
            }
            System.out.println();
            System.out.println(e.overallLine());
            System.out.printf(Locale.ROOT, "accuracy %.4f%n%nconfusion matrix (rows: true class, columns: predicted)%n", e.accuracy());
            System.out.print(e.confusionTable());
        }
    }
}
