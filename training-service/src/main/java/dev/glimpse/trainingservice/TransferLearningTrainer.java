package dev.glimpse.trainingservice;

import dev.glimpse.datasets.Dataset;
import dev.glimpse.engine.onnx.Onnx;
import dev.glimpse.runtime.GraphFacts;
import dev.glimpse.runtime.ModelMetadata;
import dev.glimpse.runtime.ModelMetadataKeys;
import dev.glimpse.training.ModelFile;
import dev.glimpse.training.Normalization;
import dev.glimpse.training.Trainer;
import dev.glimpse.training.TrainingConfig;
import dev.glimpse.training.TrainingMetadataKeys;
import dev.glimpse.training.graph.NetworkGraphs;
import dev.glimpse.training.model.Layer;
import dev.glimpse.training.model.Network;
import dev.glimpse.training.model.ParamTensor;
import dev.glimpse.training.model.Parameters;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * The transfer-learning recipe on the training module's ONNX Runtime trainer: start from the promoted model's
 * weights and train either the classifier head only, or the last {@code unfreezeLast} weighted layers (conv/linear,
 * with the batch norms between them) where everything but the head learns at {@code backboneLrScale} times the rate.
 * Frozen weights are left bit-identical. If the examples have more classes than the model outputs, the head is
 * replaced by a freshly initialised one with the new class count.
 */
public final class TransferLearningTrainer implements ModelTrainer {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final TrainingConfig config;
    private final int unfreezeLast;
    private final double backboneLrScale;
    private final List<String> classNames;

    /**
     * @param unfreezeLast    1 = head only; n = the last n conv/linear layers
     * @param classNames      names of the classes the examples use (becomes the candidate's labels metadata)
     */
    public TransferLearningTrainer(TrainingConfig config, int unfreezeLast, double backboneLrScale, List<String> classNames) {
        if (unfreezeLast < 1) {
            throw new IllegalArgumentException("unfreeze-last must be >= 1 (1 = head only), got " + unfreezeLast);
        }
        if (!(backboneLrScale > 0 && backboneLrScale <= 1)) {
            throw new IllegalArgumentException("backbone learning-rate scale must be in (0, 1], got " + backboneLrScale);
        }
        this.config = config.withProgress(false);
        this.unfreezeLast = unfreezeLast;
        this.backboneLrScale = backboneLrScale;
        this.classNames = List.copyOf(classNames);
    }

    @Override
    public Result fineTune(Path currentModel, Dataset train, Path out, String version, String parentVersion) throws Exception {
        long start = System.nanoTime();
        ModelFile.Loaded loaded = ModelFile.load(currentModel);
        Network net = loaded.network();
        Parameters params = loaded.parameters().copy();
        Map<String, String> meta = new LinkedHashMap<>(loaded.metadata());
        ModelMetadata served = ModelMetadata.parse(meta, new GraphFacts("model", NetworkGraphs.INPUT,
                new long[] {-1, net.channels(), net.height(), net.width()}, NetworkGraphs.LOGITS,
                new long[] {-1, net.numClasses()}));
        boolean replacedHead = false;
        if (train.numClasses() > net.numClasses()) {
            net = replaceHead(net, params, train.numClasses(), config.seed());
            replacedHead = true;
        }
        Set<String> trainable = new LinkedHashSet<>();
        Map<String, Double> lrScale = new HashMap<>();
        String head = net.head().name();
        for (String layer : unfrozenLayers(net)) {
            for (ParamTensor t : params.ofLayer(layer)) {
                if (!t.buffer()) {
                    trainable.add(t.name());
                    if (!layer.equals(head)) {
                        lrScale.put(t.name(), backboneLrScale);
                    }
                }
            }
        }
        int batch = Math.min(config.batchSize(), Math.max(1, train.size()));
        TrainingConfig run = new TrainingConfig(config.epochs(), batch, config.learningRate(), config.optimizer(),
                config.momentum(), config.weightDecay(), config.schedule(), config.warmupEpochs(),
                config.labelSmoothing(), config.seed(), config.maxShift(), config.flip(), config.batchNorm(),
                config.threads(), false);
        Normalization norm = new Normalization(served.mean(), served.std());
        Trainer.Report report = new Trainer(run, new PrintStream(OutputStream.nullOutputStream()))
                .fit(net, params, train, null, norm, trainable, lrScale);

        Map<String, Object> hp = new LinkedHashMap<>(run.asMap());
        hp.put("recipe", unfreezeLast == 1 ? "head-only" : "unfreeze-last-" + unfreezeLast);
        hp.put("backbone_lr_scale", backboneLrScale);
        hp.put("replaced_head", replacedHead);
        meta.put(ModelMetadataKeys.VERSION, version);
        meta.put(ModelMetadataKeys.PARENT_VERSION, parentVersion);
        if (replacedHead || !meta.containsKey(ModelMetadataKeys.LABELS)) {
            meta.put(ModelMetadataKeys.LABELS, JSON.writeValueAsString(labelsFor(net.numClasses())));
        }
        meta.put(ModelMetadataKeys.TRAINING_WINDOW, train.name() + "[0:" + train.size() + "]");
        meta.put(TrainingMetadataKeys.HYPERPARAMETERS, JSON.writeValueAsString(hp));
        meta.put(TrainingMetadataKeys.MODE, "finetune");
        meta.put(TrainingMetadataKeys.ARCHITECTURE, net.spec());
        Onnx.ModelProto model = NetworkGraphs.inference(net, params, meta);
        ModelFile.write(out, model);
        Map<String, String> hyper = new LinkedHashMap<>();
        hp.forEach((k, v) -> hyper.put(k, String.valueOf(v)));
        long seen = (long) (train.size() / batch) * batch * run.epochs();
        return new Result(out, hyper, seen, (System.nanoTime() - start) / 1e9, report.examplesPerSecond());
    }

    private List<String> labelsFor(int k) {
        List<String> labels = new ArrayList<>();
        for (int c = 0; c < k; c++) {
            labels.add(c < classNames.size() ? classNames.get(c) : Integer.toString(c));
        }
        return labels;
    }

    /** Names of the layers whose weights train: the last n conv/linear layers and any batch norm after the first. */
    private List<String> unfrozenLayers(Network net) {
        List<Layer> layers = net.layers();
        int weighted = 0;
        int from = layers.size() - 1;
        for (int i = layers.size() - 1; i >= 0; i--) {
            if (layers.get(i) instanceof Layer.Conv || layers.get(i) instanceof Layer.Linear) {
                weighted++;
                from = i;
                if (weighted == unfreezeLast) {
                    break;
                }
            }
        }
        List<String> names = new ArrayList<>();
        for (int i = from; i < layers.size(); i++) {
            Layer l = layers.get(i);
            if (l instanceof Layer.Conv || l instanceof Layer.Linear || l instanceof Layer.BatchNorm) {
                names.add(l.name());
            }
        }
        return names;
    }

    private static Network replaceHead(Network net, Parameters params, int classes, long seed) {
        Network wider = net.withClasses(classes);
        String head = wider.head().name();
        List<int[]> shapes = wider.shapes();
        int[] in = shapes.get(shapes.size() - 2);
        params.removeLayer(head);
        for (ParamTensor t : Parameters.initLayer(wider.head(), in, true, new SplittableRandom(seed))) {
            params.put(t);
        }
        return wider;
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "transfer learning (%s, backbone lr x%.2f, %s)",
                unfreezeLast == 1 ? "head only" : "last " + unfreezeLast + " layers", backboneLrScale, config.asMap());
    }
}
