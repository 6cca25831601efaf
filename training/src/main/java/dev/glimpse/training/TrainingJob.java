package dev.glimpse.training;

import ai.onnxruntime.OrtException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.glimpse.datasets.Dataset;
import dev.glimpse.datasets.DatasetSplit;
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

/** Trains a network from scratch on a dataset split and writes the inference model with its metadata. */
public final class TrainingJob {

    static final ObjectMapper JSON = new ObjectMapper();

    /** What a run produced. */
    public record Result(Onnx.ModelProto model, Network network, Parameters parameters, Evaluation test,
                         Trainer.Report report, double wallSeconds) {
    }

    private TrainingJob() {
    }

    public static Result train(String modelName, DatasetSplit data, String datasetName, String arch, TrainingConfig config,
                               String version, String command, PrintStream log) throws OrtException {
        long start = System.nanoTime();
        Dataset train = data.train();
        Network net = Architectures.resolve(arch, train.channels(), train.height(), train.width(), train.numClasses());
        if (net.numClasses() != train.numClasses()) {
            throw new IllegalArgumentException("--arch ends with fc:" + net.numClasses() + " but " + datasetName + " has "
                    + train.numClasses() + " classes");
        }
        Parameters params = Parameters.initialize(net, config.seed());
        Normalization norm = Normalization.measure(train, 10_000);
        Set<String> trainable = new LinkedHashSet<>();
        params.weights().forEach(t -> trainable.add(t.name()));
        Trainer.Report report = new Trainer(config, log).fit(net, params, train, data.test(), norm, trainable, Map.of());
        Evaluation test = report.validation();
        Map<String, String> meta = metadata(modelName, version, "", train, norm, net, config, test, command,
                "scratch", datasetName);
        Onnx.ModelProto model = NetworkGraphs.inference(net, params, meta);
        return new Result(model, net, params, test, report, (System.nanoTime() - start) / 1e9);
    }

    static Map<String, String> metadata(String name, String version, String parent, Dataset train, Normalization norm,
                                        Network net, TrainingConfig config, Evaluation test, String command,
                                        String mode, String datasetName) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put(ModelMetadataKeys.NAME, name);
        m.put(ModelMetadataKeys.VERSION, version);
        if (!parent.isEmpty()) {
            m.put(ModelMetadataKeys.PARENT_VERSION, parent);
        }
        List<String> labels = new java.util.ArrayList<>(train.classNames());
        while (labels.size() < net.numClasses()) {
            labels.add(Integer.toString(labels.size())); // a replaced head may have room for classes not seen yet
        }
        m.put(ModelMetadataKeys.LABELS, json(labels));
        m.put(ModelMetadataKeys.INPUT_COLOUR, train.colour());
        m.put(ModelMetadataKeys.INPUT_SIZE, net.height() + "x" + net.width());
        m.put(ModelMetadataKeys.INPUT_MEAN, json(norm.mean()));
        m.put(ModelMetadataKeys.INPUT_STD, json(norm.std()));
        m.put(ModelMetadataKeys.TRAINING_WINDOW, train.name() + "[0:" + train.size() + "]");
        Map<String, Object> metrics = new LinkedHashMap<>();
        if (test != null) {
            metrics.put("accuracy", round(test.accuracy()));
            metrics.put("loss", round(test.meanLoss()));
            metrics.put("test_examples", (double) test.total());
        }
        m.put(ModelMetadataKeys.METRICS, json(metrics));
        m.put(ModelMetadataKeys.EMBEDDING_OUTPUT, NetworkGraphs.EMBEDDING);
        m.put(ModelMetadataKeys.OUTPUT_KIND, "logits");
        m.put(TrainingMetadataKeys.ARCH_NAME, net.arch());
        m.put(TrainingMetadataKeys.ARCHITECTURE, net.spec());
        m.put(TrainingMetadataKeys.HYPERPARAMETERS, json(config.asMap()));
        m.put(TrainingMetadataKeys.SEED, Long.toString(config.seed()));
        m.put(TrainingMetadataKeys.DATASET, datasetName + " " + train.name() + " (" + train.size() + " examples)");
        m.put(TrainingMetadataKeys.MODE, mode);
        if (command != null && !command.isEmpty()) {
            m.put(TrainingMetadataKeys.COMMAND, command);
        }
        return m;
    }

    private static double round(double v) {
        return Math.round(v * 1e4) / 1e4;
    }

    static String json(Object o) {
        try {
            return JSON.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Number of weights of a network (trainable or not), for reports. */
    public static long weightCount(Parameters p) {
        return p.weights().stream().mapToLong(ParamTensor::size).sum();
    }

    /** Convenience for commands: train and write to {@code out}. */
    public static Result trainTo(Path out, String modelName, DatasetSplit data, String datasetName, String arch,
                                 TrainingConfig config, String version, String command, PrintStream log)
            throws OrtException, IOException {
        Result r = train(modelName, data, datasetName, arch, config, version, command, log);
        ModelFile.write(out, r.model());
        return r;
    }
}
