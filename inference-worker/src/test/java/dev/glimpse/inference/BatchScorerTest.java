package dev.glimpse.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtException.OrtErrorCode;
import dev.glimpse.contracts.events.ImageEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/**
 * Each {@link OrtFailurePolicy} action does what it says: RETRY runs the batch again (bounded), DEAD_LETTER does not
 * run refused bytes again, REBUILD_SESSION rebuilds the session. A scripted session stands in for ONNX Runtime.
 */
class BatchScorerTest {

    private static final float POISON = -1f;

    /** A session that fails its first {@code failures} runs with {@code code}, and always refuses a poisoned input. */
    private static final class ScriptedSession implements BatchScorer.Session {
        private final OrtErrorCode code;
        private int failures;
        private final OrtErrorCode poisonCode;
        final List<Integer> runs = new ArrayList<>(); // batch size of each run
        int rebuilds;

        ScriptedSession(OrtErrorCode code, int failures, OrtErrorCode poisonCode) {
            this.code = code;
            this.failures = failures;
            this.poisonCode = poisonCode;
        }

        @Override
        public List<Classifier.Scored> classify(List<float[]> inputs) throws OrtException {
            runs.add(inputs.size());
            if (failures > 0) {
                failures--;
                throw new OrtException(code, "scripted failure");
            }
            if (poisonCode != null && inputs.stream().anyMatch(in -> in[0] == POISON)) {
                throw new OrtException(poisonCode, "poisoned input");
            }
            List<Classifier.Scored> out = new ArrayList<>();
            for (float[] in : inputs) {
                out.add(new Classifier.Scored(in, in, new float[0]));
            }
            return out;
        }

        @Override
        public void rebuild() {
            rebuilds++;
        }
    }

    private static List<PendingImage> images(float... first) {
        List<PendingImage> out = new ArrayList<>();
        for (int i = 0; i < first.length; i++) {
            PendingImage p = new PendingImage(new TopicPartition("images", 0), i, null, new byte[0], 0, 0, null);
            p.decoded(ImageEvent.getDefaultInstance(), new float[] {first[i], 1f});
            out.add(p);
        }
        return out;
    }

    private static ScoreOutcome.DeadLettered deadLettered(ScoreOutcome outcome) {
        return assertInstanceOf(ScoreOutcome.DeadLettered.class, outcome);
    }

    @Test
    void shouldRetryATransientFailureOnTheWholeBatchWithoutSplittingIt() throws Exception {
        // Given a session that fails once with a runtime error (RETRY)
        ScriptedSession session = new ScriptedSession(OrtErrorCode.ORT_RUNTIME_EXCEPTION, 1, null);
        List<PendingImage> batch = images(0.1f, 0.2f, 0.3f);

        // When the batch is scored
        Map<PendingImage, ScoreOutcome> outcomes = new BatchScorer("w", 2).classify(batch, session);

        // Then the whole batch ran again and every image is predicted
        assertEquals(List.of(3, 3), session.runs, "the batch is retried as a batch, not split");
        batch.forEach(p -> assertInstanceOf(ScoreOutcome.Predicted.class, outcomes.get(p)));
        assertEquals(0, session.rebuilds);
    }

    @Test
    void shouldDeadLetterAfterBoundedRetriesSayingHowOftenTheBatchWasRetried() throws Exception {
        // Given a session whose runtime error does not pass
        ScriptedSession session = new ScriptedSession(OrtErrorCode.ORT_FAIL, Integer.MAX_VALUE, null);
        List<PendingImage> batch = images(0.1f, 0.2f);

        // When the batch is scored with two retries
        Map<PendingImage, ScoreOutcome> outcomes = new BatchScorer("w", 2).classify(batch, session);

        // Then the batch ran three times, then each image once alone, and each is dead-lettered saying so
        assertEquals(List.of(2, 2, 2, 1, 1), session.runs);
        for (PendingImage p : batch) {
            ScoreOutcome.DeadLettered d = deadLettered(outcomes.get(p));
            assertEquals("inference-failed", d.reason());
            assertTrue(d.detail().contains("ORT_FAIL"), d.detail());
            assertTrue(d.detail().contains("retried 2 times"), d.detail());
        }
    }

    @Test
    void shouldRetryOnlyTheBatchThenIsolateTheInputThatKeepsFailing() throws Exception {
        // Given a batch with one input the model keeps failing on at run time (RETRY)
        ScriptedSession session = new ScriptedSession(null, 0, OrtErrorCode.ORT_RUNTIME_EXCEPTION);
        List<PendingImage> batch = images(0.1f, POISON, 0.3f);

        // When the batch is scored with one retry
        Map<PendingImage, ScoreOutcome> outcomes = new BatchScorer("w", 1).classify(batch, session);

        // Then the batch ran twice, then alone each; only the poisoned image is dead-lettered
        assertEquals(List.of(3, 3, 1, 1, 1), session.runs);
        assertInstanceOf(ScoreOutcome.Predicted.class, outcomes.get(batch.get(0)));
        assertTrue(deadLettered(outcomes.get(batch.get(1))).detail().contains("retried 1 time)"));
        assertInstanceOf(ScoreOutcome.Predicted.class, outcomes.get(batch.get(2)));
    }

    @Test
    void shouldDeadLetterARefusedInputWithoutRunningItAgain() throws Exception {
        // Given a single image the session refuses as an invalid argument (DEAD_LETTER)
        ScriptedSession session = new ScriptedSession(null, 0, OrtErrorCode.ORT_INVALID_ARGUMENT);
        List<PendingImage> batch = images(POISON);

        // When it is scored
        Map<PendingImage, ScoreOutcome> outcomes = new BatchScorer("w", 2).classify(batch, session);

        // Then it ran once only: the same bytes would be refused again; it was not retried
        assertEquals(List.of(1), session.runs);
        ScoreOutcome.DeadLettered d = deadLettered(outcomes.get(batch.get(0)));
        assertEquals("inference-failed", d.reason());
        assertTrue(d.detail().contains("ORT_INVALID_ARGUMENT"), d.detail());
        assertFalse(d.detail().contains("retried"), d.detail());
    }

    @Test
    void shouldSplitARefusedBatchToDeadLetterOnlyTheRefusedInput() throws Exception {
        // Given a batch with one input the session refuses (DEAD_LETTER)
        ScriptedSession session = new ScriptedSession(null, 0, OrtErrorCode.ORT_INVALID_ARGUMENT);
        List<PendingImage> batch = images(0.1f, POISON, 0.3f);

        // When it is scored
        Map<PendingImage, ScoreOutcome> outcomes = new BatchScorer("w", 2).classify(batch, session);

        // Then the batch is not retried but split once: the others are predicted, the refused one dead-lettered
        assertEquals(List.of(3, 1, 1, 1), session.runs);
        assertInstanceOf(ScoreOutcome.Predicted.class, outcomes.get(batch.get(0)));
        assertFalse(deadLettered(outcomes.get(batch.get(1))).detail().contains("retried"));
        assertInstanceOf(ScoreOutcome.Predicted.class, outcomes.get(batch.get(2)));
    }

    @Test
    void shouldRebuildTheSessionWhenTheExecutionProviderFailed() throws Exception {
        // Given a session whose execution provider fails once (REBUILD_SESSION)
        ScriptedSession session = new ScriptedSession(OrtErrorCode.ORT_EP_FAIL, 1, null);
        List<PendingImage> batch = images(0.1f, 0.2f);

        // When the batch is scored
        Map<PendingImage, ScoreOutcome> outcomes = new BatchScorer("w", 2).classify(batch, session);

        // Then the session was rebuilt once and the images answered on the new one
        assertEquals(1, session.rebuilds);
        assertEquals(List.of(2, 1, 1), session.runs);
        batch.forEach(p -> assertInstanceOf(ScoreOutcome.Predicted.class, outcomes.get(p)));
    }

    @Test
    void shouldDecideTheActionByTheErrorCode() {
        assertEquals(OrtFailurePolicy.Action.REBUILD_SESSION,
                OrtFailurePolicy.decide(new OrtException(OrtErrorCode.ORT_EP_FAIL, "ep")));
        assertEquals(OrtFailurePolicy.Action.DEAD_LETTER,
                OrtFailurePolicy.decide(new OrtException(OrtErrorCode.ORT_INVALID_ARGUMENT, "input")));
        assertEquals(OrtFailurePolicy.Action.RETRY,
                OrtFailurePolicy.decide(new OrtException(OrtErrorCode.ORT_RUNTIME_EXCEPTION, "transient")));
    }
}
