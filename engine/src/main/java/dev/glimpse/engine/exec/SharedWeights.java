package dev.glimpse.engine.exec;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxTensorLike;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.UnsafeByteOperations;
import dev.glimpse.engine.onnx.Onnx.GraphProto;
import dev.glimpse.engine.onnx.Onnx.ModelProto;
import dev.glimpse.engine.onnx.Onnx.StringStringEntryProto;
import dev.glimpse.engine.onnx.Onnx.TensorProto;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The large float weights of the models ONNX Runtime sessions are opened for, held once in native memory and lent
 * to every session as external initializers. Without it each session of a model (the forward pass, every gradient
 * graph) serialised the model's weights, copied them through JNI and parsed them again: three fresh copies of
 * resnet18's 45 MB per session, and on a virtual machine the page faults of fresh memory are most of a session's cost.
 *
 * <p>Weights are recognised by their data — the same {@link ByteString} object, which protobuf shares between a model
 * and every graph built from it — so an initializer that a graph transform replaced or added is simply lent as a new
 * weight. A weight lives while a session that was opened with it is open ({@link Lease#close}).
 */
public final class SharedWeights {

    /** Smaller initializers stay in the model bytes: lending them saves nothing. */
    static final int MIN_BYTES = 1 << 12;
    private static final StringStringEntryProto LOCATION = StringStringEntryProto.newBuilder()
            .setKey("location").setValue("glimpse-shared-weights").build();

    private final Map<ByteString, Weight> weights = new IdentityHashMap<>();

    private static final class Weight {
        final OnnxTensor tensor;
        int sessions;

        Weight(OnnxTensor tensor) {
            this.tensor = tensor;
        }
    }

    /** The weights lent to one session: its model bytes, and the release of the weights once the session is closed. */
    public final class Lease implements AutoCloseable {
        private final byte[] modelBytes;
        private final List<ByteString> lent;
        private boolean closed;

        private Lease(byte[] modelBytes, List<ByteString> lent) {
            this.modelBytes = modelBytes;
            this.lent = lent;
        }

        /** The model with the lent initializers' data left out (marked external). */
        public byte[] modelBytes() {
            return modelBytes;
        }

        /** Releases the weights; call it after closing the session. */
        @Override
        public void close() {
            synchronized (SharedWeights.this) {
                if (!closed) {
                    closed = true;
                    release(lent);
                }
            }
        }
    }

    /**
     * Lends {@code model}'s large float initializers to a session about to be opened with {@code options} (they are
     * added to it as external initializers) and returns the model bytes to open it with.
     */
    public synchronized Lease lend(ModelProto model, OrtSession.SessionOptions options) throws OrtException {
        List<TensorProto> initializers = model.getGraph().getInitializerList();
        GraphProto.Builder graph = null;
        Map<String, OnnxTensorLike> external = new HashMap<>();
        List<ByteString> lent = new ArrayList<>();
        try {
            for (int i = 0; i < initializers.size(); i++) {
                TensorProto t = initializers.get(i);
                if (t.getDataType() != TensorProto.DataType.FLOAT_VALUE || t.getRawData().size() < MIN_BYTES) {
                    continue;
                }
                ByteString data = t.getRawData();
                Weight w = weights.get(data);
                if (w == null) {
                    w = new Weight(tensor(t));
                    weights.put(data, w);
                }
                w.sessions++;
                lent.add(data);
                external.put(t.getName(), w.tensor);
                if (graph == null) {
                    graph = model.getGraph().toBuilder();
                }
                graph.setInitializer(i, t.toBuilder().clearRawData().setDataLocation(TensorProto.DataLocation.EXTERNAL)
                        .addExternalData(LOCATION).build());
            }
            if (graph == null) {
                return new Lease(model.toByteArray(), lent);
            }
            options.addExternalInitializers(external);
            return new Lease(model.toBuilder().setGraph(graph).build().toByteArray(), lent);
        } catch (OrtException | RuntimeException e) {
            release(lent);
            throw e;
        }
    }

    /**
     * Reads an ONNX model file into native memory and parses it in place: the initializers' data stay views of that
     * memory (protobuf aliasing), so parsing copies no weight and lending them to sessions copies nothing either.
     */
    public static ModelProto readModel(Path file) throws IOException {
        try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = in.size();
            if (size > Integer.MAX_VALUE) {
                throw new IOException(file + " is larger than protobuf's 2 GB limit for one message");
            }
            ByteBuffer data = ByteBuffer.allocateDirect((int) size);
            while (data.hasRemaining() && in.read(data) >= 0) {
                // until the whole file is in
            }
            data.flip();
            // aliasing needs input protobuf may treat as immutable: the buffer is never written again
            CodedInputStream parser = UnsafeByteOperations.unsafeWrap(data).newCodedInput();
            parser.enableAliasing(true);
            return ModelProto.parseFrom(parser);
        }
    }

    /** How many weights are held now (for tests: 0 once every session is closed). */
    public synchronized int held() {
        return weights.size();
    }

    private void release(List<ByteString> lent) {
        for (ByteString data : lent) {
            Weight w = weights.get(data);
            if (w != null && --w.sessions == 0) {
                weights.remove(data);
                w.tensor.close();
            }
        }
    }

    /** The initializer's data in native memory: its own buffer when protobuf already holds it there, else one copy. */
    private static OnnxTensor tensor(TensorProto t) throws OrtException {
        ByteBuffer data = t.getRawData().asReadOnlyByteBuffer();
        if (!data.isDirect()) {
            ByteBuffer copy = ByteBuffer.allocateDirect(data.remaining());
            copy.put(data).flip();
            data = copy;
        }
        long[] dims = t.getDimsList().stream().mapToLong(Long::longValue).toArray();
        return OnnxTensor.createTensor(OrtEnvironment.getEnvironment(), data.order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer(), dims);
    }
}
