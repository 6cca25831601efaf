package dev.glimpse.inference;

import ai.onnxruntime.OrtException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs ONNX Runtime once on a batch of decoded images; when it fails, {@link OrtFailurePolicy} decides by the error
 * code and each action does what it says:
 * <ul>
 * <li>{@code RETRY}: the whole batch runs again, up to {@code retries} times; when it still fails, each image runs
 *     alone once (so that a bad input costs only itself) and those failing are dead-lettered, saying the batch was
 *     retried;</li>
 * <li>{@code DEAD_LETTER}: the input was refused and the same bytes will be refused again: a single image is
 *     dead-lettered at once; a batch is split, each image run alone once to find the refused ones, which are
 *     dead-lettered;</li>
 * <li>{@code REBUILD_SESSION}: the session is rebuilt, then each image runs alone once on the new session.</li>
 * </ul>
 */
final class BatchScorer {

    private static final Logger LOG = LoggerFactory.getLogger(InferenceWorker.class); // the worker's log category
    /** Whole-batch retries of a transient failure before the batch is split image by image. */
    static final int DEFAULT_RETRIES = 2;

    /** What a batch runs on: the serving model's session, which can be rebuilt in place. */
    interface Session {
        List<Classifier.Scored> classify(List<float[]> inputs) throws OrtException;

        void rebuild() throws OrtException;
    }

    private final String workerId;
    private final int retries;

    BatchScorer(String workerId, int retries) {
        if (retries < 0) {
            throw new IllegalArgumentException("retries must be >= 0, got " + retries);
        }
        this.workerId = workerId;
        this.retries = retries;
    }

    /**
     * Each image's {@link ScoreOutcome}: predicted, or dead-lettered with the ONNX Runtime error that refused it.
     *
     * @throws OrtException when the session cannot be rebuilt
     */
    Map<PendingImage, ScoreOutcome> classify(List<PendingImage> good, Session session) throws OrtException {
        if (good.isEmpty()) {
            return new HashMap<>();
        }
        List<float[]> inputs = new ArrayList<>(good.size());
        good.forEach(p -> inputs.add(p.input()));
        int retried = 0;
        while (true) {
            try {
                return predicted(good, session.classify(inputs));
            } catch (OrtException e) {
                OrtFailurePolicy.Action action = OrtFailurePolicy.decide(e);
                LOG.warn("inference worker {}: ONNX Runtime failed on a batch of {} ({}): {} -> {}", workerId,
                        good.size(), e.getCode(), e.getMessage(), action);
                if (action == OrtFailurePolicy.Action.RETRY && retried < retries) {
                    retried++;
                    continue;
                }
                if (action == OrtFailurePolicy.Action.REBUILD_SESSION) {
                    session.rebuild();
                    return alone(good, session, retried);
                }
                // refused, or still failing after the retries: a batch's error does not say which image failed
                if (good.size() == 1) {
                    Map<PendingImage, ScoreOutcome> out = new HashMap<>();
                    out.put(good.get(0), failed(e, retried));
                    return out;
                }
                return alone(good, session, retried);
            }
        }
    }

    private static Map<PendingImage, ScoreOutcome> predicted(List<PendingImage> good, List<Classifier.Scored> scored) {
        Map<PendingImage, ScoreOutcome> out = new HashMap<>();
        for (int i = 0; i < good.size(); i++) {
            out.put(good.get(i), new ScoreOutcome.Predicted(scored.get(i)));
        }
        return out;
    }

    /** Runs each image alone, once: a transient failure passes, a bad input is isolated and dead-lettered. */
    private static Map<PendingImage, ScoreOutcome> alone(List<PendingImage> good, Session session, int retried) {
        Map<PendingImage, ScoreOutcome> out = new HashMap<>();
        for (PendingImage p : good) {
            try {
                out.put(p, new ScoreOutcome.Predicted(session.classify(List.of(p.input())).get(0)));
            } catch (OrtException e) {
                out.put(p, failed(e, retried));
            }
        }
        return out;
    }

    private static ScoreOutcome.DeadLettered failed(OrtException e, int retried) {
        return ScoreOutcome.inferenceFailed("ONNX Runtime error " + e.getCode() + ": " + e.getMessage()
                + (retried > 0 ? " (its batch was retried " + retried + (retried == 1 ? " time)" : " times)") : ""));
    }
}
