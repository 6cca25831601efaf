package dev.glimpse.inference;

import ai.onnxruntime.OrtException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs ONNX Runtime once on a batch of decoded images; on failure the error code ({@link OrtFailurePolicy}) decides:
 * rebuild the session, or not; then the images are retried one by one, which isolates the failing ones.
 */
final class BatchScorer {

    private static final Logger LOG = LoggerFactory.getLogger(InferenceWorker.class); // the worker's log category

    /** What a batch runs on: the serving model's session, which can be rebuilt in place. */
    interface Session {
        List<Classifier.Scored> classify(List<float[]> inputs) throws OrtException;

        void rebuild() throws OrtException;
    }

    private final String workerId;

    BatchScorer(String workerId) {
        this.workerId = workerId;
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
        try {
            return predicted(good, session.classify(inputs));
        } catch (OrtException e) {
            OrtFailurePolicy.Action action = OrtFailurePolicy.decide(e);
            LOG.warn("inference worker {}: ONNX Runtime failed on a batch of {} ({}): {} -> {}", workerId,
                    good.size(), e.getCode(), e.getMessage(), action);
            if (action == OrtFailurePolicy.Action.REBUILD_SESSION) {
                session.rebuild();
            }
        }
        // Retry image by image: a transient failure passes, a bad input is isolated and dead-lettered.
        return alone(good, session);
    }

    private static Map<PendingImage, ScoreOutcome> predicted(List<PendingImage> good, List<Classifier.Scored> scored) {
        Map<PendingImage, ScoreOutcome> out = new HashMap<>();
        for (int i = 0; i < good.size(); i++) {
            out.put(good.get(i), new ScoreOutcome.Predicted(scored.get(i)));
        }
        return out;
    }

    /** Runs each image alone, once: a transient failure passes, a bad input is isolated and dead-lettered. */
    private static Map<PendingImage, ScoreOutcome> alone(List<PendingImage> good, Session session) {
        Map<PendingImage, ScoreOutcome> out = new HashMap<>();
        for (PendingImage p : good) {
            try {
                out.put(p, new ScoreOutcome.Predicted(session.classify(List.of(p.input())).get(0)));
            } catch (OrtException e) {
                out.put(p, failed(e));
            }
        }
        return out;
    }

    private static ScoreOutcome.DeadLettered failed(OrtException e) {
        return ScoreOutcome.inferenceFailed("ONNX Runtime error " + e.getCode() + ": " + e.getMessage());
    }
}

