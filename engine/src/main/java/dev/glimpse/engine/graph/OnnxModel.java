package dev.glimpse.engine.graph;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.glimpse.engine.onnx.Onnx.GraphProto;
import dev.glimpse.engine.onnx.Onnx.ModelProto;
import dev.glimpse.engine.onnx.Onnx.NodeProto;
import dev.glimpse.engine.onnx.Onnx.OperatorSetIdProto;
import dev.glimpse.engine.onnx.Onnx.StringStringEntryProto;
import dev.glimpse.engine.onnx.Onnx.TensorProto;
import dev.glimpse.engine.onnx.Onnx.TensorShapeProto;
import dev.glimpse.engine.onnx.Onnx.TypeProto;
import dev.glimpse.engine.onnx.Onnx.ValueInfoProto;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * An immutable ONNX model: the protobuf plus the lookups every other part of Glimpse needs (opset, real graph
 * inputs, outputs, initializers as float arrays, metadata). "With" methods return a new model.
 */
public final class OnnxModel {

    private final ModelProto proto;
    private final Map<String, TensorProto> initializers;

    private OnnxModel(ModelProto proto) {
        this.proto = proto;
        Map<String, TensorProto> inits = new LinkedHashMap<>();
        for (TensorProto t : proto.getGraph().getInitializerList()) {
            inits.put(t.getName(), t);
        }
        this.initializers = Collections.unmodifiableMap(inits);
    }

    public static OnnxModel of(ModelProto proto) {
        if (!proto.hasGraph()) {
            throw new IllegalArgumentException("ONNX model has no graph");
        }
        return new OnnxModel(proto);
    }

    /** Reads a .onnx file; the error names the file when it is not an ONNX model. */
    public static OnnxModel load(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        try {
            return parse(bytes);
        } catch (IllegalArgumentException e) {
            throw new IOException("'" + file + "' is not a readable ONNX model: " + e.getMessage(), e);
        }
    }

    public static OnnxModel parse(byte[] bytes) {
        try {
            return of(ModelProto.parseFrom(bytes));
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalArgumentException("not an ONNX ModelProto: " + e.getMessage(), e);
        }
    }

    public ModelProto proto() {
        return proto;
    }

    public GraphProto graph() {
        return proto.getGraph();
    }

    public List<NodeProto> nodes() {
        return proto.getGraph().getNodeList();
    }

    public byte[] toBytes() {
        return proto.toByteArray();
    }

    public void save(Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Files.write(file, toBytes());
    }

    /** The version of the default ("" / "ai.onnx") operator set. */
    public int opsetVersion() {
        for (OperatorSetIdProto o : proto.getOpsetImportList()) {
            if (o.getDomain().isEmpty() || o.getDomain().equals("ai.onnx")) {
                return (int) o.getVersion();
            }
        }
        throw new IllegalStateException("model imports no default-domain opset");
    }

    /** Graph inputs that are fed at run time (initializers listed as inputs are excluded). */
    public List<ValueInfoProto> inputs() {
        List<ValueInfoProto> out = new ArrayList<>();
        for (ValueInfoProto v : proto.getGraph().getInputList()) {
            if (!initializers.containsKey(v.getName())) {
                out.add(v);
            }
        }
        return out;
    }

    public List<String> inputNames() {
        return inputs().stream().map(ValueInfoProto::getName).toList();
    }

    public List<ValueInfoProto> outputs() {
        return proto.getGraph().getOutputList();
    }

    public List<String> outputNames() {
        return outputs().stream().map(ValueInfoProto::getName).toList();
    }

    /**
     * The declared shape of a graph input or output; unknown or symbolic dimensions are -1. Empty when the
     * value has no declared shape.
     */
    public Optional<long[]> declaredShape(String valueName) {
        List<ValueInfoProto> all = new ArrayList<>(proto.getGraph().getInputList());
        all.addAll(proto.getGraph().getOutputList());
        all.addAll(proto.getGraph().getValueInfoList());
        for (ValueInfoProto v : all) {
            if (v.getName().equals(valueName) && v.getType().hasTensorType() && v.getType().getTensorType().hasShape()) {
                TensorShapeProto s = v.getType().getTensorType().getShape();
                long[] dims = new long[s.getDimCount()];
                for (int i = 0; i < dims.length; i++) {
                    TensorShapeProto.Dimension d = s.getDim(i);
                    dims[i] = d.hasDimValue() && d.getDimValue() > 0 ? d.getDimValue() : -1;
                }
                return Optional.of(dims);
            }
        }
        return Optional.empty();
    }

    public Map<String, TensorProto> initializers() {
        return initializers;
    }

    public boolean isInitializer(String name) {
        return initializers.containsKey(name);
    }

    public Optional<TensorProto> initializer(String name) {
        return Optional.ofNullable(initializers.get(name));
    }

    /** An initializer's values as float[] (raw_data little-endian or float_data); fails naming it when absent. */
    public float[] initializerFloats(String name) {
        return Tensors.toFloats(requireInitializer(name));
    }

    public long[] initializerDims(String name) {
        return Tensors.dims(requireInitializer(name));
    }

    private TensorProto requireInitializer(String name) {
        TensorProto t = initializers.get(name);
        if (t == null) {
            throw new IllegalArgumentException("no initializer named '" + name + "'");
        }
        return t;
    }

    /** The node producing {@code tensorName}, if any (graph inputs and initializers have none). */
    public Optional<NodeProto> producer(String tensorName) {
        for (NodeProto n : proto.getGraph().getNodeList()) {
            if (n.getOutputList().contains(tensorName)) {
                return Optional.of(n);
            }
        }
        return Optional.empty();
    }

    /** All tensor names of the graph: inputs, initializers and every node output. */
    public Set<String> tensorNames() {
        Set<String> names = new HashSet<>();
        proto.getGraph().getInputList().forEach(v -> names.add(v.getName()));
        names.addAll(initializers.keySet());
        for (NodeProto n : proto.getGraph().getNodeList()) {
            for (String o : n.getOutputList()) {
                if (!o.isEmpty()) {
                    names.add(o);
                }
            }
        }
        return names;
    }

    public Map<String, String> metadata() {
        Map<String, String> m = new LinkedHashMap<>();
        for (StringStringEntryProto e : proto.getMetadataPropsList()) {
            m.put(e.getKey(), e.getValue());
        }
        return Collections.unmodifiableMap(m);
    }

    public Optional<String> metadata(String key) {
        return Optional.ofNullable(metadata().get(key));
    }

    /** A copy with {@code key} set to {@code value} in metadata_props (replacing an existing entry). */
    public OnnxModel withMetadata(String key, String value) {
        ModelProto.Builder b = proto.toBuilder().clearMetadataProps();
        boolean replaced = false;
        for (StringStringEntryProto e : proto.getMetadataPropsList()) {
            if (e.getKey().equals(key)) {
                b.addMetadataProps(StringStringEntryProto.newBuilder().setKey(key).setValue(value));
                replaced = true;
            } else {
                b.addMetadataProps(e);
            }
        }
        if (!replaced) {
            b.addMetadataProps(StringStringEntryProto.newBuilder().setKey(key).setValue(value));
        }
        return new OnnxModel(b.build());
    }

    /** A copy with all entries of {@code entries} set in metadata_props. */
    public OnnxModel withMetadata(Map<String, String> entries) {
        OnnxModel m = this;
        for (Map.Entry<String, String> e : entries.entrySet()) {
            m = m.withMetadata(e.getKey(), e.getValue());
        }
        return m;
    }

    /**
     * A copy that also outputs the given tensors (any activation, input or initializer name). Names already
     * among the outputs are skipped; an unknown name fails with the name quoted. Element type is float unless
     * the tensor is an initializer of another type.
     */
    public OnnxModel withExtraOutputs(List<String> tensorNames) {
        Set<String> known = tensorNames();
        Set<String> present = new HashSet<>(outputNames());
        GraphProto.Builder g = proto.getGraph().toBuilder();
        for (String name : tensorNames) {
            if (!known.contains(name)) {
                throw new IllegalArgumentException("model has no tensor named '" + name + "'");
            }
            if (present.add(name)) {
                int type = initializers.containsKey(name) ? initializers.get(name).getDataType() : elementType(name);
                g.addOutput(valueInfo(name, type, null));
            }
        }
        return new OnnxModel(proto.toBuilder().setGraph(g).build());
    }

    /**
     * A copy where the given initializers are plain graph inputs (no default value), e.g. to feed perturbed or
     * updated weights.
     */
    public OnnxModel withInitializersAsInputs(List<String> names) {
        GraphProto.Builder g = proto.getGraph().toBuilder().clearInitializer();
        for (TensorProto t : proto.getGraph().getInitializerList()) {
            if (!names.contains(t.getName())) {
                g.addInitializer(t);
            }
        }
        Set<String> declared = new HashSet<>();
        proto.getGraph().getInputList().forEach(v -> declared.add(v.getName()));
        for (String n : names) {
            TensorProto t = requireInitializer(n);
            if (!declared.contains(n)) {
                g.addInput(valueInfo(n, t.getDataType(), Tensors.dims(t)));
            }
        }
        return new OnnxModel(proto.toBuilder().setGraph(g).build());
    }

    /** The declared element type of a value (FLOAT when nothing is declared). */
    public int elementType(String name) {
        if (initializers.containsKey(name)) {
            return initializers.get(name).getDataType();
        }
        List<ValueInfoProto> all = new ArrayList<>(proto.getGraph().getInputList());
        all.addAll(proto.getGraph().getOutputList());
        all.addAll(proto.getGraph().getValueInfoList());
        for (ValueInfoProto v : all) {
            if (v.getName().equals(name) && v.getType().hasTensorType() && v.getType().getTensorType().hasElemType()) {
                return v.getType().getTensorType().getElemType();
            }
        }
        return TensorProto.DataType.FLOAT_VALUE;
    }

    /** A copy with a different protobuf (e.g. after a rewrite); metadata is kept as in {@code newProto}. */
    public OnnxModel withProto(ModelProto newProto) {
        return of(newProto);
    }

    /**
     * A ValueInfo of a tensor. {@code dims} entries < 0 become the symbolic dimension "N" (batch) ; null dims
     * leave the shape undeclared.
     */
    public static ValueInfoProto valueInfo(String name, int elemType, long[] dims) {
        TypeProto.Tensor.Builder tt = TypeProto.Tensor.newBuilder().setElemType(elemType);
        if (dims != null) {
            TensorShapeProto.Builder s = TensorShapeProto.newBuilder();
            for (long d : dims) {
                if (d < 0) {
                    s.addDim(TensorShapeProto.Dimension.newBuilder().setDimParam("N"));
                } else {
                    s.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
                }
            }
            tt.setShape(s);
        }
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(tt)).build();
    }

    @Override
    public String toString() {
        return "OnnxModel[opset " + opsetVersion() + ", " + nodes().size() + " nodes, inputs " + inputNames()
                + ", outputs " + outputNames() + "]";
    }
}
