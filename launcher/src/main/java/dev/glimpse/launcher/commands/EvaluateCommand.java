package dev.glimpse.launcher.commands;

import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.glimpse.datasets.Dataset;
import dev.glimpse.datasets.DatasetSplit;
import dev.glimpse.launcher.GlimpseCommand;
import dev.glimpse.runtime.ModelMetadata;
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

    @Option(names = "--split", defaultValue = "test", description = "test or train (default: ${DEFAULT-VALUE})")
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
        if (!split.equals("test") && !split.equals("train")) {
            throw new IllegalArgumentException("--split must be test or train, got '" + split + "'");
        }
        DatasetSplit s = data.open();
        Dataset set = split.equals("test") ? s.test() : s.train();
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
            double seconds = (System.nanoTime() - start) / 1e9;
            if (json) {
                Map<String, Object> out = new LinkedHashMap<>();
                out.put("model", model.toString());
                out.put("model_name", meta.name());
                out.put("model_version", meta.version());
                out.put("dataset", set.name());
                out.putAll(e.asMap());
                out.put("seconds", seconds);
                System.out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(out));
            } else {
                System.out.printf(Locale.ROOT, "model %s (%s v%s) on %s: %,d images in %.1f s%n", model, meta.name(),
                        meta.version(), set.name(), e.total(), seconds);
                System.out.printf(Locale.ROOT, "Test Loss: %.6f%n%n", e.meanLoss());
                for (String line : e.perClassLines()) {
                    System.out.println(line);
                }
                System.out.println();
                System.out.println(e.overallLine());
                System.out.printf(Locale.ROOT, "accuracy %.4f%n%nconfusion matrix (rows: true class, columns: predicted)%n", e.accuracy());
                System.out.print(e.confusionTable());
            }
            return 0;
        }
    }
}
