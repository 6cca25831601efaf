package dev.glimpse.explain.ort;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import dev.glimpse.explain.Tensor;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;

/** Copies between ONNX Runtime tensors and {@link Tensor}s (non-float tensors are converted to float). */
public final class OrtTensors {

    private OrtTensors() {
    }

    /** A float ONNX Runtime tensor over {@code t}'s data and shape; the caller closes it. */
    public static OnnxTensor toOnnx(OrtEnvironment env, Tensor t) throws OrtException {
        long[] shape = new long[t.rank()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = t.shape()[i];
        }
        return OnnxTensor.createTensor(env, FloatBuffer.wrap(t.data()), shape);
    }

    public static Tensor toTensor(OnnxTensor t) throws OrtException {
        long[] s = t.getInfo().getShape();
        int[] shape = new int[s.length];
        for (int i = 0; i < s.length; i++) {
            shape[i] = Math.toIntExact(s[i]);
        }
        int n = Math.toIntExact(t.getInfo().getNumElements());
        float[] data = new float[n];
        if (t.getInfo().type == OnnxJavaType.FLOAT) {
            FloatBuffer fb = t.getFloatBuffer();
            fb.get(data);
        } else if (t.getInfo().type == OnnxJavaType.INT64) {
            LongBuffer lb = t.getLongBuffer();
            for (int i = 0; i < n; i++) {
                data[i] = lb.get(i);
            }
        } else {
            throw new IllegalArgumentException("unsupported tensor type " + t.getInfo().type);
        }
        return new Tensor(shape, data);
    }
}
