package dev.glimpse.inference;

import com.google.protobuf.ByteString;
import dev.glimpse.contracts.events.ClassScore;
import dev.glimpse.contracts.events.DeadLetter;
import dev.glimpse.contracts.events.Prediction;
import dev.glimpse.contracts.events.Timings;
import dev.glimpse.platform.kafka.DeadLetterPublisher;
import java.nio.charset.StandardCharsets;

/** Maps an answered image to its {@link Prediction} (top-k, embedding, timings) and a refused one to its {@link DeadLetter}. */
final class PredictionMapper {

    private final String workerId;
    private final int topK;
    /** Builds dead letters with the platform's conventions (original bytes capped, size kept); sent in our transaction. */
    private final DeadLetterPublisher deadLetters;

    PredictionMapper(String workerId, int topK, DeadLetterPublisher deadLetters) {
        this.workerId = workerId;
        this.topK = topK;
        this.deadLetters = deadLetters;
    }

    /** The prediction of {@code p} by {@code model}, predicted now. */
    Prediction prediction(PendingImage p, Classifier.Scored s, AnsweringModel model, BatchTiming batch) {
        long now = System.currentTimeMillis();
        long ingested = ingestedAt(p);
        Prediction.Builder b = Prediction.newBuilder()
                .setImageId(imageId(p))
                .setModelName(model.name())
                .setModelVersion(model.version())
                .setTimings(Timings.newBuilder().setQueueMs(Math.max(0, batch.startedAtMs() - ingested))
                        .setInferenceMs(batch.inferenceMs())
                        .setEndToEndMs(Math.max(0, now - ingested)).setBatchSize(batch.size()))
                .setPredictedAtMs(now)
                .setLabel(p.event().getLabel())
                .setDevice(model.device())
                .setWorkerId(workerId)
                .setIngestedAtMs(ingested);
        for (int idx : ClassScores.topK(s.probabilities(), topK)) {
            b.addTopK(ClassScore.newBuilder().setClassIndex(idx).setClassName(model.metadata().labelOf(idx))
                    .setProbability(s.probabilities()[idx]).setLogit(s.logits()[idx]));
        }
        for (float v : s.embedding()) {
            b.addEmbedding(v);
        }
        return b.build();
    }

    DeadLetter deadLetter(PendingImage p, ScoreOutcome.DeadLettered outcome) {
        DeadLetter.Builder b = deadLetters.build(outcome.reason(), outcome.detail(), imageId(p), p.value())
                .setSourceTopic(p.partition().topic())
                .setSourcePartition(p.partition().partition())
                .setSourceOffset(p.offset());
        if (p.key() != null) {
            b.setOriginalKey(ByteString.copyFrom(p.key()));
        }
        return b.build();
    }

    /** When the image entered the pipeline: the ingest service's stamp, else when this worker polled it. */
    static long ingestedAt(PendingImage p) {
        return p.event().getIngestedAtMs() > 0 ? p.event().getIngestedAtMs() : p.polledAtMs();
    }

    static String imageId(PendingImage p) {
        if (p.event() != null && !p.event().getImageId().isEmpty()) {
            return p.event().getImageId();
        }
        return p.key() == null ? "" : new String(p.key(), StandardCharsets.UTF_8);
    }

    static byte[] key(PendingImage p) {
        return p.key() != null ? p.key() : imageId(p).getBytes(StandardCharsets.UTF_8);
    }
}
