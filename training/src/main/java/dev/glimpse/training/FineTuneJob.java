package dev.glimpse.training;

import java.io.IOException;
import java.util.ArrayList;
import ai.onnxruntime.OrtException;
import dev.glimpse.datasets.Dataset;
import dev.glimpse.datasets.DatasetSplit;
import dev.glimpse.datasets.Holdout;
import dev.glimpse.engine.onnx.Onnx;
import dev.glimpse.runtime.ModelMetadataKeys;
import dev.glimpse.training.graph.NetworkGraphs;
import dev.glimpse.training.model.Network;
import dev.glimpse.training.model.ParamTensor;
import dev.glimpse.training.model.Parameters;
import java.io.PrintStream;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Transfer learning on a model written by {@code ./glimpse train}: optionally a new head for another class set,
 * then training of only the unfrozen weights (the backbone at a scaled learning rate), with the parent's
 * preprocessing. Frozen weights are graph constants during training and are copied unchanged.
 */
public final class FineTuneJob {

    /**
     * @param validation accuracy on the examples held out from the training data (last epoch)
     * @param test       accuracy on the test split
     */
    public record Result(Onnx.ModelProto model, Network network, Parameters parameters, Evaluation validation,
                         Evaluation test, Trainer.Report report, Set<String> trained, double wallSeconds) {
    }

    private FineTuneJob() {
    }

    /**
     * @param replaceHead number of classes of a freshly initialised head, or 0 to keep the parent's head
     */
    public static Result finetune(ModelFile.Loaded parent, DatasetSplit data, String datasetName, FreezePolicy policy,
                                  double backboneLrScale, int replaceHead, TrainingConfig config, String version,
                                  String command, PrintStream log) throws OrtException {
        long start = System.nanoTime();
        Network net = parent.network();
        Parameters params = parent.parameters().copy();
        Holdout holdout = new Holdout(TrainingJob.VALIDATION_FRACTION, 1);
        Dataset train = holdout.rest(data.train());
        Dataset validation = holdout.part(data.train());
        if (train.channels() != net.channels() || train.height() != net.height() || train.width() != net.width()) {
            throw new IllegalArgumentException("dataset " + datasetName + " has " + train.channels() + "x" + train.height()
                    + "x" + train.width() + " images but the model takes " + net.channels() + "x" + net.height() + "x" + net.width());
        }
        if (replaceHead > 0) {
            if (replaceHead < train.numClasses()) {
                throw new IllegalArgumentException("--replace-head " + replaceHead + " is fewer than the "
                        + train.numClasses() + " classes of " + datasetName);
            }
            net = net.withClasses(replaceHead);
            params.removeLayer(net.head().name());
            int[] in = net.shapes().get(net.layers().size() - 1);
            for (ParamTensor t : Parameters.initLayer(net.head(), in, true, new SplittableRandom(config.seed()))) {
                params.put(t);
            }
        } else if (train.numClasses() != net.numClasses()) {
            throw new IllegalArgumentException("the model has " + net.numClasses() + " classes but " + datasetName + " has "
                    + train.numClasses() + "; use --replace-head " + train.numClasses());
        }
        Set<String> trainable = policy.trainable(net, params);
        Map<String, Double> lrScale = new HashMap<>();
        Set<String> head = FreezePolicy.headWeights(net);
        for (String w : trainable) {
            if (!head.contains(w)) {
                lrScale.put(w, backboneLrScale);
            }
        }
        Normalization norm = normalizationOf(parent.metadata(), train);
        log.printf("fine-tuning %s: %s, %d of %d weight tensors trainable, backbone lr x%s%s%n", net.arch(),
                policy.describe(), trainable.size(), params.weights().size(), backboneLrScale,
                replaceHead > 0 ? ", new head with " + replaceHead + " classes" : "");
        Trainer.Report report = new Trainer(config, log).fit(net, params, train, validation, norm, trainable, lrScale);
        Evaluation test = NetworkTraining.evaluate(net, params, Examples.of(data.test(), norm), train.classNames(),
                config.threads());
        String parentVersion = parent.metadata().getOrDefault(ModelMetadataKeys.VERSION, "0");
        String name = parent.metadata().getOrDefault(ModelMetadataKeys.NAME, "model");
        String mode = "finetune " + policy.describe() + " backbone-lr-scale=" + backboneLrScale
                + (replaceHead > 0 ? " replace-head=" + replaceHead : "");
        Map<String, String> meta = TrainingJob.metadata(name, version != null ? version : nextVersion(parentVersion),
                parentVersion, train, norm, net, config, report.validation(), test, command, mode, datasetName);
        Onnx.ModelProto model = NetworkGraphs.inference(net, params, meta);
        return new Result(model, net, params, report.validation(), test, report, trainable,
                (System.nanoTime() - start) / 1e9);
    }

    /** The version after {@code parent}: the next integer, else {@code <parent>-ft}. */
    public static String nextVersion(String parent) {
        try {
            return Long.toString(Long.parseLong(parent) + 1);
        } catch (NumberFormatException e) {
            return parent + "-ft";
        }
    }

    /** The parent's preprocessing (so the backbone sees what it was trained on), measured only if absent. */
    static Normalization normalizationOf(Map<String, String> meta, Dataset train) {
        String mean = meta.get(ModelMetadataKeys.INPUT_MEAN);
        String std = meta.get(ModelMetadataKeys.INPUT_STD);
        if (mean == null || std == null) {
            return Normalization.measure(train, 10_000);
        }
        try {
            float[] m = floats(mean);
            float[] s = floats(std);
            if (m.length == 1 && train.channels() == 3) {
                m = new float[]{m[0], m[0], m[0]};
            }
            if (s.length == 1 && train.channels() == 3) {
                s = new float[]{s[0], s[0], s[0]};
            }
            return new Normalization(m, s);
        } catch (Exception e) {
            throw new IllegalArgumentException("model metadata " + ModelMetadataKeys.INPUT_MEAN + "='" + mean + "' / "
                    + ModelMetadataKeys.INPUT_STD + "='" + std + "' is not a JSON number array", e);
        }
    }

    private static float[] floats(String json) throws IOException {
        var node = TrainingJob.JSON.readTree(json);
        if (node.isNumber()) {
            return new float[]{node.floatValue()};
        }
        List<Float> v = new ArrayList<>();
        node.forEach(n -> v.add(n.floatValue()));
        float[] out = new float[v.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = v.get(i);
        }
        return out;
    }
}
