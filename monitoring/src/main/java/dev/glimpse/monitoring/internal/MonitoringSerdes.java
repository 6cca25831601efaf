package dev.glimpse.monitoring.internal;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serde;
import java.nio.ByteBuffer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serdes.WrapperSerde;

/**
 * Compact binary serdes of the monitoring topology's internal records (repartition topic and window stores).
 * Binary rather than JSON because a window aggregate holds hundreds of embedding rows and is rewritten often.
 * Internal topics only: the format may change between versions (with a reset of the application).
 */
public final class MonitoringSerdes {

    private static final byte OBSERVATION_V1 = 1;
    private static final byte SAMPLE_V1 = 1;

    private MonitoringSerdes() {
    }

    public static Serde<Observation> observation() {
        return new WrapperSerde<>((topic, o) -> o == null ? null : write(out -> writeObservation(out, o)),
                (topic, bytes) -> bytes == null ? null : read(topic, bytes, MonitoringSerdes::readObservation));
    }

    public static Serde<WindowSample> windowSample() {
        return new WrapperSerde<>((topic, s) -> s == null ? null : write(out -> writeSample(out, s)),
                (topic, bytes) -> bytes == null ? null : read(topic, bytes, MonitoringSerdes::readSample));
    }

    public static Serde<ReferenceState> referenceState() {
        return new WrapperSerde<>((topic, r) -> r == null ? null : write(out -> {
            out.writeInt(r.windowsTaken());
            out.writeLong(r.lastEndMs());
            out.writeBoolean(r.complete());
            out.writeBoolean(r.fromMetadata());
            writeSample(out, r.sample());
        }), (topic, bytes) -> bytes == null ? null : read(topic, bytes, in -> {
            int taken = in.readInt();
            long lastEnd = in.readLong();
            boolean complete = in.readBoolean();
            boolean fromMetadata = in.readBoolean();
            return new ReferenceState(readSample(in), taken, lastEnd, complete, fromMetadata);
        }));
    }

    private static void writeObservation(DataOutputStream out, Observation o) throws IOException {
        out.writeByte(OBSERVATION_V1);
        out.writeByte(o.kind().ordinal());
        out.writeUTF(o.modelName());
        out.writeUTF(o.modelVersion());
        out.writeInt(o.predictedClass());
        out.writeDouble(o.confidence());
        writeFloats(out, o.embedding());
        out.writeInt(o.trueClass());
        out.writeDouble(o.brightness());
        out.writeDouble(o.contrast());
    }

    private static Observation readObservation(DataInputStream in) throws IOException {
        requireVersion(in.readByte(), OBSERVATION_V1, "observation");
        Observation.Kind kind = Observation.Kind.values()[in.readByte()];
        return new Observation(kind, in.readUTF(), in.readUTF(), in.readInt(), in.readDouble(), readFloats(in),
                in.readInt(), in.readDouble(), in.readDouble());
    }

    private static void writeSample(DataOutputStream out, WindowSample s) throws IOException {
        out.writeByte(SAMPLE_V1);
        out.writeLong(s.predictions);
        writeLongs(out, s.classCounts);
        writeLongs(out, s.labeledPerClass);
        writeLongs(out, s.correctPerClass);
        writeReservoir(out, s.confidences);
        writeReservoir(out, s.brightness);
        writeReservoir(out, s.contrast);
        out.writeInt(s.embeddings.capacity);
        out.writeLong(s.embeddings.seed);
        out.writeLong(s.embeddings.seen);
        out.writeInt(s.embeddings.rows.size());
        for (float[] row : s.embeddings.rows) {
            writeFloats(out, row);
        }
    }

    private static WindowSample readSample(DataInputStream in) throws IOException {
        requireVersion(in.readByte(), SAMPLE_V1, "window sample");
        long predictions = in.readLong();
        long[] classCounts = readLongs(in);
        long[] labeled = readLongs(in);
        long[] correct = readLongs(in);
        Reservoir conf = readReservoir(in);
        Reservoir bright = readReservoir(in);
        Reservoir contrast = readReservoir(in);
        int capacity = in.readInt();
        long seed = in.readLong();
        long seen = in.readLong();
        int n = in.readInt();
        List<float[]> rows = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            rows.add(readFloats(in));
        }
        return new WindowSample(predictions, classCounts, labeled, correct, conf, bright, contrast,
                new EmbeddingReservoir(capacity, seed, seen, rows));
    }

    private static void writeReservoir(DataOutputStream out, Reservoir r) throws IOException {
        out.writeInt(r.capacity);
        out.writeLong(r.seed);
        out.writeLong(r.seen);
        out.writeInt(r.size);
        for (int i = 0; i < r.size; i++) {
            out.writeDouble(r.values[i]);
        }
    }

    private static Reservoir readReservoir(DataInputStream in) throws IOException {
        int capacity = in.readInt();
        long seed = in.readLong();
        long seen = in.readLong();
        int size = in.readInt();
        double[] values = new double[Math.max(size, Math.min(capacity, 16))];
        for (int i = 0; i < size; i++) {
            values[i] = in.readDouble();
        }
        return new Reservoir(capacity, seed, seen, values, size);
    }

    private static void writeLongs(DataOutputStream out, long[] a) throws IOException {
        out.writeInt(a.length);
        for (long v : a) {
            out.writeLong(v);
        }
    }

    private static long[] readLongs(DataInputStream in) throws IOException {
        long[] a = new long[in.readInt()];
        for (int i = 0; i < a.length; i++) {
            a[i] = in.readLong();
        }
        return a;
    }

    private static void writeFloats(DataOutputStream out, float[] a) throws IOException {
        out.writeInt(a.length);
        for (float v : a) {
            out.writeFloat(v);
        }
    }

    private static float[] readFloats(DataInputStream in) throws IOException {
        float[] a = new float[in.readInt()];
        for (int i = 0; i < a.length; i++) {
            a[i] = in.readFloat();
        }
        return a;
    }

    private static void requireVersion(byte got, byte expected, String what) {
        if (got != expected) {
            throw new SerializationException("unknown " + what + " format version " + got + " (expected " + expected + ")");
        }
    }

    private interface Writer {
        void write(DataOutputStream out) throws IOException;
    }

    private interface Reader<T> {
        T read(DataInputStream in) throws IOException;
    }

    private static byte[] write(Writer writer) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            writer.write(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    private static <T> T read(String topic, byte[] bytes, Reader<T> reader) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            return reader.read(in);
        } catch (IOException | RuntimeException e) {
            throw new SerializationException("cannot read " + bytes.length + " bytes of monitoring state on '" + topic + "'", e);
        }
    }

    /** double[] as big-endian IEEE 754 values (the embedding joined to a prediction). */
    public static Serde<double[]> doubleArray() {
        return Serdes.serdeFrom(
                (topic, v) -> {
                    if (v == null) {
                        return null;
                    }
                    ByteBuffer b = ByteBuffer.allocate(8 * v.length);
                    for (double d : v) {
                        b.putDouble(d);
                    }
                    return b.array();
                },
                (topic, bytes) -> {
                    if (bytes == null) {
                        return null;
                    }
                    ByteBuffer b = ByteBuffer.wrap(bytes);
                    double[] v = new double[bytes.length / 8];
                    for (int i = 0; i < v.length; i++) {
                        v[i] = b.getDouble();
                    }
                    return v;
                });
    }
}
