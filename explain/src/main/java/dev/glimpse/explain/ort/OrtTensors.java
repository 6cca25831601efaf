package dev.glimpse.explain.ort;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OrtException;
import dev.glimpse.explain.Tensor;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;

/** Copies ONNX Runtime tensors into {@link Tensor}s (non-float tensors are converted to float). */
public final class OrtTensors {

    private OrtTensors() {
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
