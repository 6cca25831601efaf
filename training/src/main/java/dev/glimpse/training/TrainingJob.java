package dev.glimpse.training;

import java.util.ArrayList;
import ai.onnxruntime.OrtException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.glimpse.datasets.Dataset;
import dev.glimpse.datasets.DatasetSplit;
import dev.glimpse.datasets.Holdout;
import dev.glimpse.engine.onnx.Onnx;
import dev.glimpse.runtime.ModelMetadataKeys;
import dev.glimpse.training.graph.NetworkGraphs;
import dev.glimpse.training.model.Architectures;
import dev.glimpse.training.model.Network;
import dev.glimpse.training.model.ParamTensor;
import dev.glimpse.training.model.Parameters;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Trains a network from scratch on a dataset split and writes the inference model with its metadata. A seeded share
 * of the training examples ({@link #VALIDATION_FRACTION}, {@link Holdout}) is held out for the per-epoch validation;
 * the test split is evaluated once, at the end.
 */
public final class TrainingJob {

    static final ObjectMapper JSON = new ObjectMapper();

    /** Share of the training examples held out for validation. */
    public static final double VALIDATION_FRACTION = 0.1;

    /**
     * What a run produced.
     *
     * @param validation accuracy on the examples held out from the training data (last epoch)
     * @param test       accuracy on the test split
     */
    public record Result(Onnx.ModelProto model, Network network, Parameters parameters, Evaluation validation,
                         Evaluation test, Trainer.Report report, double wallSeconds) {
    }

    private TrainingJob() {
    }

    public static Result train(String modelName, DatasetSplit data, String datasetName, String arch, TrainingConfig config,
                               String version, String command, PrintStream log) throws OrtException {
        return train(modelName, data, new Holdout(VALIDATION_FRACTION, 1), datasetName, arch, config, version, command, log);
    }

    /** @param validationPart which training examples are held out for validation */
    public static Result train(String modelName, DatasetSplit data, Holdout validationPart, String datasetName, String arch,
                               TrainingConfig config, String version, String command, PrintStream log)
            throws OrtException {
        long start = System.nanoTime();
        Dataset train = data.train();
        Network net = Architectures.resolve(arch, train.channels(), train.height(), train.width(), train.numClasses());
        if (net.numClasses() != train.numClasses()) {
            throw new IllegalArgumentException("--arch ends with fc:" + net.numClasses() + " but " + datasetName + " has "
                    + train.numClasses() + " classes");
        }
        Parameters params = Parameters.initialize(net, config.seed());
        Dataset fit = validationPart.rest(train);
        Dataset validation = validationPart.part(train);
        Normalization norm = Normalization.measure(fit, 10_000);
        Set<String> trainable = new LinkedHashSet<>();
        params.weights().forEach(t -> trainable.add(t.name()));
        Trainer.Report report = new Trainer(config, log).fit(net, params, fit, validation, norm, trainable, Map.of());
        Evaluation test = NetworkTraining.evaluate(net, params, Examples.of(data.test(), norm), train.classNames(),
                config.threads());
        Map<String, String> meta = metadata(modelName, version, "", fit, norm, net, config, report.validation(), test,
                command, "scratch", datasetName);
        Onnx.ModelProto model = NetworkGraphs.inference(net, params, meta);
        return new Result(model, net, params, report.validation(), test, report, (System.nanoTime() - start) / 1e9);
    }

    static Map<String, String> metadata(String name, String version, String parent, Dataset train, Normalization norm,
                                        Network net, TrainingConfig config, Evaluation validation, Evaluation test,
                                        String command, String mode, String datasetName) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put(ModelMetadataKeys.NAME, name);
        m.put(ModelMetadataKeys.VERSION, version);
        if (!parent.isEmpty()) {
            m.put(ModelMetadataKeys.PARENT_VERSION, parent);
        }
        List<String> labels = new ArrayList<>(train.classNames());
        while (labels.size() < net.numClasses()) {
            labels.add(Integer.toString(labels.size())); // a replaced head may have room for classes not seen yet
        }
        m.put(ModelMetadataKeys.LABELS, MetadataValues.json(labels));
        m.put(ModelMetadataKeys.INPUT_COLOUR, train.colour());
        m.put(ModelMetadataKeys.INPUT_SIZE, net.height() + "x" + net.width());
        m.put(ModelMetadataKeys.INPUT_MEAN, MetadataValues.json(norm.mean()));
        m.put(ModelMetadataKeys.INPUT_STD, MetadataValues.json(norm.std()));
        m.put(ModelMetadataKeys.TRAINING_WINDOW, train.name() + "[0:" + train.size() + "]");
        m.put(ModelMetadataKeys.METRICS, MetadataValues.metrics(test, validation));
        m.put(ModelMetadataKeys.EMBEDDING_OUTPUT, NetworkGraphs.EMBEDDING);
        m.put(ModelMetadataKeys.OUTPUT_KIND, "logits");
        m.put(TrainingMetadataKeys.ARCH_NAME, net.arch());
        m.put(TrainingMetadataKeys.ARCHITECTURE, net.spec());
        m.put(TrainingMetadataKeys.HYPERPARAMETERS, MetadataValues.json(config.asMap()));
        m.put(TrainingMetadataKeys.SEED, Long.toString(config.seed()));
        m.put(TrainingMetadataKeys.DATASET, datasetName + " " + train.name() + " (" + train.size() + " examples)");
        m.put(TrainingMetadataKeys.MODE, mode);
        if (command != null && !command.isEmpty()) {
            m.put(TrainingMetadataKeys.COMMAND, command);
        }
        return m;
    }

    /** Number of weights of a network (trainable or not), for reports. */
    public static long weightCount(Parameters p) {
        return p.weights().stream().mapToLong(ParamTensor::size).sum();
    }

    /** Convenience for commands: train and write to {@code out}. */
    public static Result trainTo(Path out, String modelName, DatasetSplit data, String datasetName, String arch,
                                 TrainingConfig config, String version, String command, PrintStream log)
            throws OrtException, IOException {
        return trainTo(out, modelName, data, new Holdout(VALIDATION_FRACTION, 1), datasetName, arch, config, version,
                command, log);
    }

    public static Result trainTo(Path out, String modelName, DatasetSplit data, Holdout validationPart, String datasetName,
                                 String arch, TrainingConfig config, String version, String command, PrintStream log)
            throws OrtException, IOException {
        Result r = train(modelName, data, validationPart, datasetName, arch, config, version, command, log);
        ModelFile.write(out, r.model());
        return r;
    }
}
