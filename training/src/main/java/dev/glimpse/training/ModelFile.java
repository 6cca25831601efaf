package dev.glimpse.training;

import com.google.protobuf.InvalidProtocolBufferException;
import java.io.FileNotFoundException;
import java.nio.file.StandardCopyOption;
import dev.glimpse.engine.onnx.Onnx;
import dev.glimpse.training.model.Layer;
import dev.glimpse.training.model.Network;
import dev.glimpse.training.model.ParamTensor;
import dev.glimpse.training.model.Parameters;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Reads and writes trained models: an inference ONNX file whose metadata names its architecture. */
public final class ModelFile {

    /** A model read back for fine-tuning or evaluation. */
    public record Loaded(Network network, Parameters parameters, Map<String, String> metadata, byte[] bytes) {
    }

    private ModelFile() {
    }

    public static void write(Path path, Onnx.ModelProto model) throws IOException {
        Path parent = path.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Path tmp = path.resolveSibling(path.getFileName() + ".tmp");
        Files.write(tmp, model.toByteArray());
        Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    public static Map<String, String> metadata(Onnx.ModelProto model) {
        Map<String, String> m = new LinkedHashMap<>();
        for (Onnx.StringStringEntryProto e : model.getMetadataPropsList()) {
            m.put(e.getKey(), e.getValue());
        }
        return m;
    }

    /** Loads a model written by {@code ./glimpse train} or {@code finetune}, rebuilding its network and weights. */
    public static Loaded load(Path path) throws IOException {
        if (!Files.isRegularFile(path)) {
            throw new FileNotFoundException("model file not found: " + path);
        }
        byte[] bytes = Files.readAllBytes(path);
        Onnx.ModelProto model;
        try {
            model = Onnx.ModelProto.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            throw new IOException(path + " is not an ONNX model: " + e.getMessage(), e);
        }
        Map<String, String> meta = metadata(model);
        String spec = meta.get(TrainingMetadataKeys.ARCHITECTURE);
        if (spec == null) {
            throw new IOException(path + " has no '" + TrainingMetadataKeys.ARCHITECTURE + "' metadata: only models made by "
                    + "./glimpse train or finetune can be fine-tuned");
        }
        Onnx.ValueInfoProto input = model.getGraph().getInput(0);
        List<Onnx.TensorShapeProto.Dimension> dims = input.getType().getTensorType().getShape().getDimList();
        if (dims.size() != 4) {
            throw new IOException(path + ": input '" + input.getName() + "' must be 4-D (N,C,H,W), has " + dims.size() + " dims");
        }
        Network net = Network.parse(meta.getOrDefault(TrainingMetadataKeys.ARCH_NAME, "custom"),
                (int) dims.get(1).getDimValue(), (int) dims.get(2).getDimValue(), (int) dims.get(3).getDimValue(), spec);
        Map<String, Onnx.TensorProto> inits = new HashMap<>();
        for (Onnx.TensorProto t : model.getGraph().getInitializerList()) {
            inits.put(t.getName(), t);
        }
        Parameters expected = Parameters.initialize(net, 0);
        List<ParamTensor> loaded = new ArrayList<>();
        for (ParamTensor e : expected.all()) {
            Onnx.TensorProto t = inits.get(e.name());
            if (t == null) {
                throw new IOException(path + ": weight '" + e.name() + "' of architecture '" + spec + "' is missing");
            }
            float[] data = floats(t);
            if (data.length != e.size()) {
                throw new IOException(path + ": weight '" + e.name() + "' has " + data.length + " values, expected " + e.size());
            }
            loaded.add(new ParamTensor(e.name(), e.shape(), data, e.buffer()));
        }
        return new Loaded(net, new Parameters(loaded), meta, bytes);
    }

    static float[] floats(Onnx.TensorProto t) {
        if (t.getDataType() != Onnx.TensorProto.DataType.FLOAT_VALUE) {
            throw new IllegalArgumentException("tensor " + t.getName() + " is not float32");
        }
        if (!t.getRawData().isEmpty()) {
            ByteBuffer b = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            float[] out = new float[b.remaining() / 4];
            b.asFloatBuffer().get(out);
            return out;
        }
        float[] out = new float[t.getFloatDataCount()];
        for (int i = 0; i < out.length; i++) {
            out[i] = t.getFloatData(i);
        }
        return out;
    }

    /** Layer names in order, for messages. */
    static List<String> layerNames(Network net) {
        return net.layers().stream().map(Layer::name).toList();
    }
}
