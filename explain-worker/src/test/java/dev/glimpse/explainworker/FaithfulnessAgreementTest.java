package dev.glimpse.explainworker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import dev.glimpse.contracts.TopicCatalog;
import dev.glimpse.contracts.events.ClassScore;
import dev.glimpse.contracts.events.FaithfulnessScores;
import dev.glimpse.contracts.events.ImageEvent;
import dev.glimpse.contracts.events.Prediction;
import dev.glimpse.engine.onnx.Onnx;
import dev.glimpse.explain.ExplainRun;
import dev.glimpse.explain.Explainer;
import dev.glimpse.explain.Options;
import dev.glimpse.explain.Tensor;
import dev.glimpse.explain.faithfulness.Road;
import dev.glimpse.explain.gradient.EngineDifferentiators;
import dev.glimpse.explain.io.InputLoader;
import dev.glimpse.explain.methods.Methods;
import dev.glimpse.explain.render.Colormap;
import dev.glimpse.explain.render.ExplanationRenderer;
import dev.glimpse.registry.artifacts.ArtifactStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ./glimpse explain} (summary.json) and the explain worker (the event) score one heatmap alike. */
class FaithfulnessAgreementTest {

    @TempDir
    Path dir;

    @Test
    void shouldGiveTheSameFaithfulnessInTheCliSummaryAndTheWorkerEvent() throws Exception {
        // Given the tiny CNN, one 16×16 PNG with an object mask, and the worker's default faithfulness settings plus ROAD
        // (explain.faithfulness.road.percentiles=20,50,80)
        Path model = TinyCnn.write(dir.resolve("tiny.onnx"), "1", 7);
        byte[][] img = TinyCnn.squareImage(2, 3);
        Path png = Files.write(dir.resolve("square.png"), img[0]);
        ImageEvent image = ImageEvent.newBuilder().setImageId("a").setData(ByteString.copyFrom(img[0]))
                .setContentType("image/png").setWidth(16).setHeight(16).setChannels(1)
                .setObjectMask(ByteString.copyFrom(img[1])).build();
        Prediction prediction = Prediction.newBuilder().setImageId("a").setModelName("tiny").setModelVersion("1")
                .addTopK(ClassScore.newBuilder().setClassIndex(1).setProbability(0.5f)).build();
        int[] road = {20, 50, 80};
        ExplainWorkerConfig cfg = ExplainWorkerConfig.defaults("localhost:1", TopicCatalog.defaults(), model, dir.resolve("art"))
                .withExplanationOptions(new ExplanationOptions(Map.of(), List.of(20, 50, 80), Road.DEFAULT_NOISE));
        Onnx.ModelProto proto = Onnx.ModelProto.parseFrom(Files.readAllBytes(model));

        for (String method : List.of("gradcam", "saliency")) {
            // When the worker explains it
            FaithfulnessScores event;
            String layer;
            try (OnnxExplanationEngine engine = new OnnxExplanationEngine(cfg, new ModelCatalog(model),
                    new ArtifactStore(dir.resolve("art"), ArtifactStore.Limits.defaults()))) {
                ExplanationEngine.Result r = engine.explain(List.of(new ExplainItem(prediction, image, method, 1, "all"))).get(0);
                assertTrue(r.succeeded(), r.failureDetail());
                event = r.event().getArtifacts(0).getFaithfulness();
                layer = r.event().getLayer();
            }
            // And the CLI explains the same PNG for the same class, layer, mask and settings
            JsonNode f;
            try (Explainer e = new Explainer(proto, new EngineDifferentiators(), 32)) {
                Tensor x = InputLoader.load(png, proto, e.inputShape(), e.shape(e.logitsName()));
                ExplainRun.Settings settings = new ExplainRun.Settings(1, layer, Options.none(),
                        OnnxExplanationEngine.mask(image), cfg.faithfulnessSteps(), cfg.pointingTolerance(),
                        new ExplanationRenderer(Colormap.JET, 0.5), null, road, Road.DEFAULT_NOISE);
                Path out = dir.resolve("cli-" + method);
                ExplainRun.run(e, x, Methods.parse(method), settings, out);
                f = new ObjectMapper().readTree(out.resolve("summary.json").toFile()).get("methods").get(method).get("faithfulness");
            }

            // Then every score agrees, in the same units (fractions; increase in confidence as 0 or 1)
            assertEquals(event.getDeletionAuc(), f.get("deletionAuc").asDouble(), 1e-6, method + " deletion AUC");
            assertEquals(event.getInsertionAuc(), f.get("insertionAuc").asDouble(), 1e-6, method + " insertion AUC");
            assertEquals(event.getAverageDrop(), f.get("averageDrop").asDouble(), 1e-6, method + " average drop");
            assertEquals(event.getAverageIncrease(), f.get("increaseInConfidence").asDouble(), 0, method + " increase");
            assertTrue(event.getHasPointingGame(), "the image carries a mask");
            assertEquals(event.getPointingGameHit(), f.get("pointingGameHit").asBoolean(), method + " pointing game");
            // ROAD as ./glimpse explain --road-percentiles 20,50,80 computes it (same seeded imputation noise)
            assertTrue(event.getHasRoad(), method + ": ROAD configured");
            JsonNode r = f.get("road");
            assertEquals(r.get("morfMean").asDouble(), event.getRoadMorf(), 1e-6, method + " ROAD MoRF");
            assertEquals(r.get("lerfMean").asDouble(), event.getRoadLerf(), 1e-6, method + " ROAD LeRF");
            assertEquals(r.get("combined").asDouble(), event.getRoadCombined(), 1e-6, method + " ROAD combined");
            // the 224-px tolerance is scaled to the 16-px mask in both
            assertEquals(cfg.pointingTolerance() * 16 / 224, f.get("pointingGameTolerance").asDouble(), 1e-12);
        }
    }
}
