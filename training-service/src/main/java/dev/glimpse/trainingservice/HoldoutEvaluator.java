package dev.glimpse.trainingservice;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.glimpse.datasets.LabeledImage;
import dev.glimpse.runtime.ExecutionDevice;
import dev.glimpse.runtime.GraphFacts;
import dev.glimpse.runtime.ModelMetadata;
import dev.glimpse.runtime.OrtSessions;
import dev.glimpse.runtime.PlacedSession;
import dev.glimpse.runtime.Preprocessor;
import dev.glimpse.runtime.SessionTuning;
import dev.glimpse.trainingservice.lifecycle.HoldoutScore;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Scores a model file on holdout examples (8-bit pixels at the model size, {@link ExampleDecoder}) normalised as the
 * model's own preprocessing says ({@link Preprocessor#normalise}).
 * Labels beyond the model's class count count as wrong (a 5-class model cannot answer class 7), so models with
 * different heads are compared on the same footing.
 */
public final class HoldoutEvaluator {
    private final int numClasses;
    private final int batchSize;

    public HoldoutEvaluator(int numClasses, int batchSize) {
        this.numClasses = numClasses;
        this.batchSize = batchSize;
    }

    public HoldoutScore score(Path model, List<LabeledImage> holdout) throws OrtException {
        try (PlacedSession placed = OrtSessions.open(model, ExecutionDevice.CPU, SessionTuning.defaults())) {
            OrtSession session = placed.session();
            GraphFacts graph = GraphFacts.of(session);
            ModelMetadata meta = ModelMetadata.read(session);
            int[] labels = new int[holdout.size()];
            int[] predicted = new int[holdout.size()];
            if (holdout.isEmpty()) {
                return HoldoutScore.of(labels, predicted, numClasses);
            }
            LabeledImage first = holdout.get(0);
            int per = first.channels() * first.height() * first.width();
            Preprocessor pre = new Preprocessor(meta);
            float[] input = new float[batchSize * per];
            for (int start = 0; start < holdout.size(); start += batchSize) {
                int n = Math.min(batchSize, holdout.size() - start);
                for (int i = 0; i < n; i++) {
                    System.arraycopy(pre.normalise(holdout.get(start + i).pixels()), 0, input, i * per, per);
                    labels[start + i] = holdout.get(start + i).label();
                }
                try (OnnxTensor in = OnnxTensor.createTensor(OrtEnvironment.getEnvironment(),
                        FloatBuffer.wrap(input, 0, n * per),
                        new long[] {n, first.channels(), first.height(), first.width()});
                     OrtSession.Result r = session.run(Map.of(graph.inputName(), in))) {
                    FloatBuffer logits = ((OnnxTensor) r.get(graph.outputName()).orElseThrow()).getFloatBuffer();
                    int k = logits.remaining() / n;
                    for (int i = 0; i < n; i++) {
                        int best = 0;
                        for (int c = 1; c < k; c++) {
                            if (logits.get(i * k + c) > logits.get(i * k + best)) {
                                best = c;
                            }
                        }
                        predicted[start + i] = best;
                    }
                }
            }
            for (int i = 0; i < labels.length; i++) {
                if (labels[i] >= numClasses) {
                    throw new IllegalArgumentException("holdout label " + labels[i] + " >= " + numClasses + " classes");
                }
                if (predicted[i] >= numClasses) {
                    predicted[i] = -1; // an output the service does not know: wrong
                }
            }
            return score(labels, predicted);
        }
    }

    private HoldoutScore score(int[] labels, int[] predicted) {
        long[] correct = new long[numClasses];
        long[] count = new long[numClasses];
        for (int i = 0; i < labels.length; i++) {
            count[labels[i]]++;
            if (predicted[i] == labels[i]) {
                correct[labels[i]]++;
            }
        }
        return new HoldoutScore(correct, count);
    }
}
