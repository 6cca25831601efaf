package dev.glimpse.training;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.glimpse.datasets.Dataset;
import java.nio.FloatBuffer;
import java.util.List;
import java.util.Map;

/** Runs a classifier session over a dataset and counts right and wrong answers. */
public final class Evaluator {

    private Evaluator() {
    }

    public static OrtSession session(byte[] model, int threads) throws OrtException {
        try (OrtSession.SessionOptions opts = new OrtSession.SessionOptions()) {
            opts.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            if (threads > 0) {
                opts.setIntraOpNumThreads(threads);
            }
            return OrtEnvironment.getEnvironment().createSession(model, opts);
        }
    }

    /**
     * @param classNames names for the model's outputs (the dataset's labels must index the same classes)
     */
    public static Evaluation evaluate(OrtSession session, Dataset data, Normalization norm, List<String> classNames,
                                      int batchSize) throws OrtException {
        return evaluate(session, Examples.of(data, norm), classNames, batchSize);
    }

    /**
     * @param classNames names for the model's outputs (the examples' labels must index the same classes)
     */
    public static Evaluation evaluate(OrtSession session, Examples data, List<String> classNames, int batchSize)
            throws OrtException {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        String inputName = session.getInputNames().iterator().next();
        int k = classNames.size();
        long[][] confusion = new long[k][k];
        int[] shape = data.sampleShape();
        int per = data.sampleSize();
        float[] batch = new float[batchSize * per];
        double lossSum = 0;
        for (int start = 0; start < data.size(); start += batchSize) {
            int n = Math.min(batchSize, data.size() - start);
            for (int i = 0; i < n; i++) {
                data.write(start + i, batch, i * per, Augmentation.NONE);
            }
            try (OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(batch, 0, n * per),
                    new long[]{n, shape[0], shape[1], shape[2]});
                 OrtSession.Result r = session.run(Map.of(inputName, in))) {
                FloatBuffer logits = ((OnnxTensor) r.get(0)).getFloatBuffer();
                if (logits.remaining() != n * k) {
                    throw new IllegalStateException("model returned " + logits.remaining() / Math.max(1, n)
                            + " scores per image, expected " + k + " classes");
                }
                for (int i = 0; i < n; i++) {
                    int best = 0;
                    float max = Float.NEGATIVE_INFINITY;
                    for (int c = 0; c < k; c++) {
                        float v = logits.get(i * k + c);
                        if (v > max) {
                            max = v;
                            best = c;
                        }
                    }
                    double z = 0;
                    for (int c = 0; c < k; c++) {
                        z += Math.exp(logits.get(i * k + c) - max);
                    }
                    int label = data.label(start + i);
                    if (label >= k) {
                        throw new IllegalArgumentException("dataset label " + label + " is outside the model's " + k + " classes");
                    }
                    lossSum += Math.log(z) - (logits.get(i * k + label) - max);
                    confusion[label][best]++;
                }
            }
        }
        return new Evaluation(classNames, confusion, data.size() == 0 ? 0 : lossSum / data.size());
    }
}
