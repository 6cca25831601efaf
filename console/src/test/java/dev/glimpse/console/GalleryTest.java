package dev.glimpse.console;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.glimpse.contracts.events.Artifact;
import dev.glimpse.contracts.events.ClassScore;
import dev.glimpse.contracts.events.Explanation;
import dev.glimpse.contracts.events.Prediction;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class GalleryTest {

    private final Gallery gallery = new Gallery(new ObjectMapper(), 10, card -> { });

    @Test
    void shouldListAsPendingOnlyMethodsTheWorkerProducesForTheModelOnCardsItIsExplaining() {
        // Given: a worker configured for gradcam only (no featuremaps), which explained "a" and has selected "b"
        gallery.onPrediction(prediction("a"));
        gallery.onPrediction(prediction("b"));
        gallery.onPrediction(prediction("skipped"));
        gallery.onExplanation(explanation("a", "gradcam"));
        gallery.onExplanation(explanation("b", "gradcam"));

        // Then no card waits for featuremaps (the worker never produced it for this model)
        assertEquals(List.of(), pending("a"), "a has all the methods the worker produces");
        assertEquals(List.of(), pending("b"));
        // and a card the policy skipped waits for nothing
        assertEquals(List.of(), pending("skipped"));

        // When the worker turns out to produce guided-gradcam too, for "a" only so far
        gallery.onExplanation(explanation("a", "guided-gradcam"));

        // Then "b", which the worker is explaining, waits for guided-gradcam; the skipped card still waits for nothing
        assertEquals(List.of(), pending("a"));
        assertEquals(List.of("guided-gradcam"), pending("b"), "produced for this model, not yet on b");
        assertEquals(List.of(), pending("skipped"), "no explanation: the policy did not select it");
    }

    @Test
    void shouldAttachAnExplanationReadBeforeItsPrediction() {
        // Given an explanation polled before its image's prediction (one consumer reads both topics)
        gallery.onExplanation(explanation("late", "gradcam"));

        // When the prediction arrives
        gallery.onPrediction(prediction("late"));

        // Then the card carries the explanation, not a placeholder for it
        JsonNode card = card("late");
        assertEquals(1, card.path("artifacts").size(), "artifacts: " + card);
        assertEquals(List.of(), pending("late"));
    }

    private JsonNode card(String imageId) {
        for (JsonNode card : gallery.cards(Gallery.Filter.none(), 10)) {
            if (card.path("imageId").asText().equals(imageId)) {
                return card;
            }
        }
        throw new AssertionError("no card " + imageId);
    }

    private List<String> pending(String imageId) {
        for (JsonNode card : gallery.cards(Gallery.Filter.none(), 10)) {
            if (card.path("imageId").asText().equals(imageId)) {
                List<String> out = new ArrayList<>();
                card.path("pending").forEach(m -> out.add(m.asText()));
                return out;
            }
        }
        throw new AssertionError("no card " + imageId);
    }

    private static Prediction prediction(String imageId) {
        return Prediction.newBuilder().setImageId(imageId).setModelName("m").setModelVersion("1")
                .addTopK(ClassScore.newBuilder().setClassIndex(1).setProbability(0.4f)).build();
    }

    private static Explanation explanation(String imageId, String method) {
        return Explanation.newBuilder().setImageId(imageId).setModelName("m").setModelVersion("1")
                .addArtifacts(Artifact.newBuilder().setMethod(method)).build();
    }
}
