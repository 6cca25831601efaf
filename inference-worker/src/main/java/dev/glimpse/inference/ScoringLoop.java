package dev.glimpse.inference;

import ai.onnxruntime.OrtException;
import dev.glimpse.registry.swap.HotSwapSlot;
import dev.glimpse.registry.swap.ShadowSampler;
import io.micrometer.core.instrument.Tags;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Scoring thread: takes batches in order, waits for their decoding, switches models between batches (the only
 * place the model changes), runs ONNX Runtime through the {@link BatchScorer} and lets the shadow model answer its
 * share; the commit thread sends and commits meanwhile, so a commit's round trips do not stop inference.
 */
final class ScoringLoop implements Runnable {

    private static final Logger LOG = LoggerFactory.getLogger(InferenceWorker.class); // the worker's log category

    private final String workerId;
    private final PipelineState state;
    private final HotSwapSlot<ServingModel> serving;
    private final ModelFollowing following;
    private final BatchScorer scorer;
    private final ScoredBatchQueue scored;
    private final InferenceMetrics metrics;

    /** @param following the hot-swap wiring, or null when the worker does not follow the models topic */
    ScoringLoop(String workerId, PipelineState state, HotSwapSlot<ServingModel> serving, ModelFollowing following,
                BatchScorer scorer, ScoredBatchQueue scored, InferenceMetrics metrics) {
        this.workerId = workerId;
        this.state = state;
        this.serving = serving;
        this.following = following;
        this.scorer = scorer;
        this.scored = scored;
        this.metrics = metrics;
    }

    @Override
    public void run() {
        ServingModel reported = serving.current(); // start() reported the start model
        try {
            while (state.running()) {
                if (state.rewindNeeded()) {
                    Thread.sleep(2); // the poll thread rewinds; what is batched now is dropped anyway
                    continue;
                }
                List<PendingImage> batch = state.batcher.nextBatch(PollLoop.POLL_TIMEOUT);
                if (batch.isEmpty()) {
                    continue;
                }
                scored.scoring(true);
                long current = state.epoch();
                List<PendingImage> live = new ArrayList<>(batch.size());
                for (PendingImage p : batch) {
                    if (p.epoch() == current) {
                        p.awaitDecoded();
                        live.add(p);
                    }
                }
                if (live.isEmpty() || state.rewindNeeded()) {
                    scored.scoring(false);
                    continue;
                }
                ServingModel model = serving.forNextBatch();
                if (model != reported) {
                    reportServing(model);
                    reported = model;
                }
                ServingModel shadow = following == null ? null : following.shadowSlot().forNextBatch();
                ScoredBatch scoredBatch = score(live, model, shadow);
                while (!scored.offer(scoredBatch, 50, TimeUnit.MILLISECONDS)) {
                    if (!state.running()) {
                        return;
                    }
                }
                scored.scoring(false);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Throwable t) {
            state.fail(t);
        } finally {
            state.threadStopped();
        }
    }

    /** The model info gauge follows the serving model: the new {model, version} is 1, the one it replaced 0. */
    private void reportServing(ServingModel model) {
        metrics.info("glimpse.inference.model.info", Tags.of("model", model.name(),
                "version", model.version()));
        LOG.info("inference worker {}: now serving {}", workerId, model);
    }

    private ScoredBatch score(List<PendingImage> batch, ServingModel model, ServingModel shadow) throws OrtException {
        long batchStart = System.currentTimeMillis();
        List<PendingImage> good = new ArrayList<>(batch.size());
        for (PendingImage p : batch) {
            if (!p.failed()) {
                good.add(p);
            }
        }
        long t0 = System.nanoTime();
        Map<PendingImage, ScoreOutcome> outcomes = scorer.classify(good, model);
        long inferenceNanos = System.nanoTime() - t0;
        for (PendingImage p : batch) {
            if (p.failed()) {
                outcomes.put(p, ScoreOutcome.undecodable(p));
            }
        }
        Classifier c = model.classifier();
        ScoredBatch.Shadow shadowScores = shadow == null ? null : scoreShadow(good, outcomes, shadow);
        return new ScoredBatch(batch, outcomes,
                new AnsweringModel(c.metadata(), model.name(), model.version(), c.device().toString()),
                batchStart, inferenceNanos, good.size(), shadowScores);
    }

    /**
     * Answers the shadow model's share of the batch (chosen by {@link ShadowSampler}). A failing shadow model costs
     * its predictions, never the batch.
     */
    private ScoredBatch.Shadow scoreShadow(List<PendingImage> good, Map<PendingImage, ScoreOutcome> outcomes,
                                           ServingModel shadow) {
        double fraction = following.shadowFraction();
        List<PendingImage> chosen = new ArrayList<>();
        for (PendingImage p : good) {
            if (outcomes.get(p) instanceof ScoreOutcome.Predicted
                    && ShadowSampler.inShadow(PredictionMapper.imageId(p), fraction)) {
                chosen.add(p);
            }
        }
        if (chosen.isEmpty()) {
            return null;
        }
        List<float[]> inputs = new ArrayList<>(chosen.size());
        chosen.forEach(p -> inputs.add(p.input()));
        long t0 = System.nanoTime();
        try {
            List<Classifier.Scored> scoredShadow = shadow.classifier().classify(inputs);
            return new ScoredBatch.Shadow(chosen, scoredShadow, shadow.classifier().metadata(), shadow.name(),
                    shadow.version(), (System.nanoTime() - t0) / 1_000_000);
        } catch (OrtException | RuntimeException e) {
            LOG.warn("inference worker {}: shadow model {} failed on {} images: {}", workerId, shadow,
                    chosen.size(), e.toString());
            return null;
        }
    }
}
