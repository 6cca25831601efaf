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

    @Test
    void shouldKeepAnExplainedCardAfterTheRecentListTurnedOver() {
        // Given a prediction followed by 50 more (the gallery keeps 10 recent cards)
        gallery.onPrediction(prediction("early"));
        for (int i = 0; i < 50; i++) {
            gallery.onPrediction(prediction("later-" + i));
        }
        // When its explanation arrives after its card left the recent list (the worker runs behind the stream)
        gallery.onExplanation(explanation("early", "gradcam"));

        // Then the explained list has it, with the artifact, while the recent list does not
        JsonNode explained = gallery.cards(new Gallery.Filter(null, null, false, null, true), 10);
        assertEquals(1, explained.size(), "explained: " + explained);
        assertEquals("early", explained.get(0).path("imageId").asText());
        assertEquals(1, explained.get(0).path("artifacts").size());
        assertEquals(10, gallery.cards(Gallery.Filter.none(), 100).size());
        gallery.cards(Gallery.Filter.none(), 100).forEach(c -> org.junit.jupiter.api.Assertions.assertNotEquals("early", c.path("imageId").asText()));
        // And its page finds it, as it finds an unexplained prediction the index still remembers
        assertEquals(1, gallery.card("early").orElseThrow().path("artifacts").size());
        assertEquals(0, gallery.card("later-3").orElseThrow().path("artifacts").size());
        assertEquals(java.util.Optional.empty(), gallery.card("never-seen"));
    }

    @Test
    void shouldShowTheKeptInputOfAnExplainedCard() {
        // Given a gallery whose keeper stored the input of explained cards
        Gallery kept = new Gallery(new ObjectMapper(), 10, card -> { }, id -> "/artifacts/" + "a".repeat(64) + ".png");
        kept.onPrediction(prediction("x"));
        assertEquals("/images/x", kept.card("x").orElseThrow().path("image").asText(), "not explained: from the image cache");

        // When it is explained, Then the card's input is served from where it was kept
        kept.onExplanation(explanation("x", "gradcam"));
        assertEquals("/artifacts/" + "a".repeat(64) + ".png", kept.card("x").orElseThrow().path("image").asText());
    }

    @Test
    void shouldKeepAMethodExplainedAtAnotherLayerNextToTheFirst() {
        // Given gradcam at the default layer
        gallery.onPrediction(prediction("l"));
        gallery.onExplanation(explanation("l", "gradcam").toBuilder().setLayer("relu4").build());

        // When gradcam is asked again at another layer
        gallery.onExplanation(explanation("l", "gradcam").toBuilder().setLayer("relu2").build());

        // Then both are on the card, the second under method@layer
        JsonNode arts = card("l").path("artifacts");
        assertEquals("relu4", arts.path("gradcam").path("layer").asText());
        assertEquals("relu2", arts.path("gradcam@relu2").path("layer").asText());
        assertEquals("gradcam", arts.path("gradcam@relu2").path("method").asText());
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
