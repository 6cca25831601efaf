package dev.glimpse.training.imported;

import dev.glimpse.engine.graph.Attributes;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.glimpse.engine.graph.OnnxModel;
import dev.glimpse.engine.graph.ShapeInference;
import dev.glimpse.engine.onnx.Onnx;
import dev.glimpse.engine.onnx.Onnx.GraphProto;
import dev.glimpse.engine.onnx.Onnx.ModelProto;
import dev.glimpse.engine.onnx.Onnx.NodeProto;
import dev.glimpse.engine.onnx.Onnx.TensorProto;
import dev.glimpse.runtime.GraphFacts;
import dev.glimpse.runtime.ModelMetadata;
import dev.glimpse.runtime.ModelMetadataKeys;
import dev.glimpse.runtime.Preprocessor;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * An ONNX classifier from anywhere (a torchvision export given its contract by {@code ./glimpse models import}, or a
 * model Glimpse wrote), read for fine-tuning as it is: no layer list is rebuilt, the graph itself is what gets
 * trained. Its preprocessing contract (Glimpse metadata) is required.
 */
public final class ImportedClassifier {

    /** Keys without which a model's input cannot be reproduced; {@code models import} writes them. */
    static final List<String> REQUIRED = List.of(ModelMetadataKeys.INPUT_COLOUR, ModelMetadataKeys.INPUT_SIZE,
            ModelMetadataKeys.INPUT_MEAN, ModelMetadataKeys.INPUT_STD);

    private final String source;
    private final ModelProto proto;
    private final Map<String, String> metadata;
    private final ModelMetadata contract;
    private final String input;
    private final int[] sampleShape;
    private final String sha256;

    private ImportedClassifier(String source, ModelProto proto, byte[] bytes) {
        this.source = source;
        this.proto = proto;
        Map<String, String> m = new LinkedHashMap<>();
        proto.getMetadataPropsList().forEach(e -> m.put(e.getKey(), e.getValue()));
        this.metadata = m;
        List<String> missing = REQUIRED.stream().filter(k -> m.get(k) == null || m.get(k).isBlank()).toList();
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException(source + " has no preprocessing contract (missing " + String.join(", ", missing)
                    + "); give it one with ./glimpse models import --model " + source + " --out IMPORTED.onnx [--preset imagenet]");
        }
        OnnxModel model = OnnxModel.of(proto);
        if (model.inputs().size() != 1 || proto.getGraph().getOutputCount() < 1) {
            throw new IllegalArgumentException(source + " must have one image input and a class-score output, has inputs "
                    + model.inputNames() + " and outputs " + model.outputNames());
        }
        this.input = model.inputNames().get(0);
        long[] declared = model.declaredShape(input).orElse(new long[] {-1, -1, -1, -1});
        long[] out = model.declaredShape(model.outputNames().get(0)).orElse(new long[0]);
        this.contract = ModelMetadata.parse(m, new GraphFacts(proto.getGraph().getName(), input, declared,
                model.outputNames().get(0), out));
        this.sampleShape = new int[] {contract.channels(), contract.height(), contract.width()};
        this.sha256 = sha256(bytes);
    }

    /**
     * @throws FileNotFoundException    when there is no such file
     * @throws IllegalArgumentException when it is not an ONNX model or has no preprocessing contract
     */
    public static ImportedClassifier load(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new FileNotFoundException("model file not found: " + file);
        }
        return of(Files.readAllBytes(file), file.toString());
    }

    public static ImportedClassifier of(byte[] bytes, String source) {
        try {
            return new ImportedClassifier(source, ModelProto.parseFrom(bytes), bytes);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalArgumentException(source + " is not an ONNX model: " + e.getMessage());
        }
    }

    public ModelProto proto() {
        return proto;
    }

    public String source() {
        return source;
    }

    /** Every {@code metadata_props} entry of the file, in order. */
    public Map<String, String> metadata() {
        return metadata;
    }

    public ModelMetadata contract() {
        return contract;
    }

    /** The one preprocessing, configured by this model's contract. */
    public Preprocessor preprocessor() {
        return new Preprocessor(contract);
    }

    public String inputName() {
        return input;
    }

    /** C, H, W of the model input, from its contract. */
    public int[] sampleShape() {
        return sampleShape.clone();
    }

    public String sha256() {
        return sha256;
    }

    /** Shapes of every tensor for a batch of one. */
    ShapeInference.Result shapes(ModelProto model) {
        return ShapeInference.infer(OnnxModel.of(model), Map.of(input, new long[] {1, sampleShape[0], sampleShape[1],
                sampleShape[2]}));
    }

    /** The classifier head, found from the first output or named by its output tensor ({@code --head}). */
    public ClassifierHead head(String requested) {
        return ClassifierHead.find(new GraphIndex(proto.getGraph()), proto.getGraph().getOutput(0).getName(), requested,
                shapes(proto));
    }

    /**
     * Prepares the graph for fine-tuning: a fresh head with {@code replaceHead} classes (0 = keep it), then the last
     * {@code unfreezeLast} weight layers (the head is the last one; Conv, Gemm, MatMul and BatchNormalization
     * scale/bias count) made trainable. A trainable weight that a frozen layer also reads (torch.onnx shares
     * equal-valued parameters) gets its own copy, so that the frozen layer's initializer stays as it was.
     */
    public FineTunePlan plan(String headTensor, int replaceHead, int unfreezeLast, long seed) {
        if (unfreezeLast < 1) {
            throw new IllegalArgumentException("--unfreeze-last must be >= 1, got " + unfreezeLast);
        }
        ClassifierHead head = head(headTensor);
        ModelProto model = proto;
        GraphIndex index = new GraphIndex(model.getGraph());
        List<WeightLayer> layers = WeightLayer.all(index, head);
        List<WeightLayer> chosen = layers.subList(Math.max(0, layers.size() - unfreezeLast), layers.size());
        Set<GraphIndex.Use> trainedUses = new HashSet<>();
        chosen.forEach(l -> trainedUses.addAll(l.uses()));
        GraphProto.Builder g = model.getGraph().toBuilder();
        List<String> trainable = new ArrayList<>();
        Set<String> headWeights = new LinkedHashSet<>();
        Map<GraphIndex.Use, String> trainedName = new LinkedHashMap<>();
        for (WeightLayer layer : chosen) {
            for (GraphIndex.Use use : layer.uses()) {
                NodeProto n = index.nodes().get(use.node());
                String w = index.weight(n.getInput(use.slot())).orElseThrow();
                boolean sharedWithFrozen = index.usesOf(w).stream().anyMatch(u -> !trainedUses.contains(u));
                String name = w;
                if (sharedWithFrozen) {
                    name = w + "@" + GraphIndex.nodeLabel(n);
                    g.addInitializer(index.initializer(w).orElseThrow().toBuilder().setName(name));
                    g.setNode(use.node(), g.getNode(use.node()).toBuilder().setInput(use.slot(), name));
                }
                trainedName.put(use, name);
                if (!trainable.contains(name)) {
                    trainable.add(name);
                }
                if (layer.isHead()) {
                    headWeights.add(name);
                }
            }
        }
        int classes = head.classes();
        if (replaceHead > 0) {
            classes = replaceHead;
            String weight = trainedName.get(new GraphIndex.Use(head.node(), head.weightSlot()));
            String bias = head.bias() == null ? null
                    : trainedName.get(new GraphIndex.Use(head.biasNode() >= 0 ? head.biasNode() : head.node(), head.biasSlot()));
            replaceHeadWeights(g, head, weight, bias, replaceHead, new SplittableRandom(seed));
        }
        ModelProto edited = model.toBuilder().setGraph(g).build();
        List<String> layerNames = chosen.stream().map(WeightLayer::label).toList();
        return new FineTunePlan(this, edited, head, classes, List.copyOf(trainable), Set.copyOf(headWeights), layerNames);
    }

    /**
     * New head weights for {@code k} classes, drawn as torch.nn.Linear initialises them (uniform in +-1/sqrt(fan-in)),
     * under the head's weight names; the declared class dimension of the outputs follows.
     */
    private void replaceHeadWeights(GraphProto.Builder g, ClassifierHead head, String weight, String bias, int k,
                                    SplittableRandom rng) {
        double bound = 1 / Math.sqrt(head.featureSize());
        // the class axis of the weight: Gemm [K,F] with transB else [F,K]; MatMul [F,K]; Conv [K,F,1,1]
        int classAxis = head.op().equals("Conv") || head.op().equals("Gemm")
                && Attributes.getInt(g.getNode(head.node()), "transB", 0) != 0 ? 0 : 1;
        for (int i = 0; i < g.getInitializerCount(); i++) {
            TensorProto t = g.getInitializer(i);
            int axis;
            if (t.getName().equals(weight)) {
                axis = classAxis;
            } else if (t.getName().equals(bias)) {
                axis = t.getDimsCount() - 1;
            } else {
                continue;
            }
            List<Long> dims = new ArrayList<>(t.getDimsList());
            dims.set(axis, (long) k);
            long n = dims.stream().mapToLong(Long::longValue).reduce(1, (a, b) -> a * b);
            float[] v = new float[(int) n];
            for (int j = 0; j < v.length; j++) {
                v[j] = (float) ((rng.nextDouble() * 2 - 1) * bound);
            }
            g.setInitializer(i, floatTensor(t.getName(), dims, v));
        }
        for (int i = 0; i < g.getOutputCount(); i++) {
            Onnx.ValueInfoProto o = g.getOutput(i);
            if (o.getType().getTensorType().getShape().getDimCount() == 2
                    && o.getType().getTensorType().getShape().getDim(1).getDimValue() == head.classes()) {
                Onnx.ValueInfoProto.Builder ob = o.toBuilder();
                ob.getTypeBuilder().getTensorTypeBuilder().getShapeBuilder().getDimBuilder(1).setDimValue(k);
                g.setOutput(i, ob);
            }
        }
        // intermediate shapes recorded by the exporter are stale on the way from the head to the output
        List<Onnx.ValueInfoProto> keep = g.getValueInfoList().stream().filter(v -> !dependsOn(g, v.getName(), head.output()))
                .toList();
        g.clearValueInfo().addAllValueInfo(keep);
    }

    private static boolean dependsOn(GraphProto.Builder g, String tensor, String on) {
        Set<String> reached = new HashSet<>(Set.of(on));
        for (NodeProto n : g.getNodeList()) {
            if (n.getInputList().stream().anyMatch(reached::contains)) {
                reached.addAll(n.getOutputList());
            }
        }
        return reached.contains(tensor);
    }

    static TensorProto floatTensor(String name, List<Long> dims, float[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        return TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.FLOAT_VALUE).addAllDims(dims)
                .setRawData(ByteString.copyFrom(b.array())).build();
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
