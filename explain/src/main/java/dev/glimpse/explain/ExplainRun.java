package dev.glimpse.explain;

import ai.onnxruntime.OrtException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.glimpse.explain.faithfulness.ConfidenceChange;
import dev.glimpse.explain.faithfulness.PerturbationCurves;
import dev.glimpse.explain.faithfulness.PointingGame;
import dev.glimpse.explain.io.Npy;
import dev.glimpse.explain.render.ExplanationRenderer;
import dev.glimpse.explain.render.Images;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * One {@code explain} invocation: runs each method on one input, writes DIR/&lt;method&gt;.npy (raw),
 * DIR/&lt;method&gt;.png and DIR/summary.json (target, probabilities, layer, parameters, timings, faithfulness).
 */
public final class ExplainRun {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public record Settings(Integer target, String layer, Options options, Tensor mask, int faithfulnessSteps,
            double pointingTolerance, ExplanationRenderer renderer) {
    }

    private ExplainRun() {
    }

    public static ObjectNode run(Explainer e, Tensor input, List<ExplanationMethod> methods, Settings s, Path out)
            throws OrtException, IOException {
        Files.createDirectories(out);
        long t0 = System.nanoTime();
        Tensor logits = e.logits(input);
        double forwardMs = (System.nanoTime() - t0) / 1e6;
        float[] probs = Explainer.softmax(logits.data(), 0, logits.size());
        int target = s.target() != null ? s.target() : logits.argmax();
        if (target < 0 || target >= probs.length) {
            throw new IllegalArgumentException("--target " + target + " is outside the model's classes 0.." + (probs.length - 1));
        }
        String layer = s.layer() != null ? e.requireLayer(s.layer()) : e.defaultLayer();
        Tensor x = input.dropBatch();

        ObjectNode summary = JSON.createObjectNode();
        summary.put("target", target);
        summary.put("targetProbability", probs[target]);
        summary.put("targetLogit", logits.data()[target]);
        summary.put("top1", logits.argmax());
        ArrayNode p = summary.putArray("probabilities");
        for (float v : probs) {
            p.add(v);
        }
        summary.put("layer", layer);
        summary.put("logits", e.logitsName());
        summary.set("inputShape", JSON.valueToTree(input.shape()));
        ObjectNode timings = summary.putObject("timingsMs");
        timings.put("forward", forwardMs);
        ObjectNode methodsNode = summary.putObject("methods");
        ExplanationMethod.Request request = new ExplanationMethod.Request(input, target, layer, s.options());
        for (ExplanationMethod m : methods) {
            long start = System.nanoTime();
            Explanation ex = m.explain(e, request);
            double ms = (System.nanoTime() - start) / 1e6;
            timings.put(m.name(), ms);
            Npy.write(out.resolve(m.name() + ".npy"), ex.raw());
            Images.writePng(s.renderer().render(ex, x), out.resolve(m.name() + ".png"));
            ObjectNode mn = methodsNode.putObject(m.name());
            mn.put("kind", ex.kind().name());
            mn.set("shape", JSON.valueToTree(ex.raw().shape()));
            mn.put("npy", m.name() + ".npy");
            mn.put("png", m.name() + ".png");
            mn.put("timeMs", ms);
            ObjectNode details = mn.putObject("details");
            for (Map.Entry<String, Object> d : ex.details().entrySet()) {
                if (!(d.getValue() instanceof Tensor)) {
                    details.set(d.getKey(), JSON.valueToTree(d.getValue()));
                }
            }
            if (isHeatmap(ex) && s.faithfulnessSteps() > 0) {
                mn.set("faithfulness", faithfulness(e, x, ex.raw(), target, s));
            }
        }
        summary.set("parameters", JSON.valueToTree(s.options().used()));
        Files.writeString(out.resolve("summary.json"), JSON.writeValueAsString(summary));
        return summary;
    }

    private static boolean isHeatmap(Explanation ex) {
        return switch (ex.kind()) {
            case LAYER_MAP, INPUT_ATTRIBUTION, POSITION_MAP -> true;
            default -> false;
        };
    }

    private static ObjectNode faithfulness(Explainer e, Tensor x, Tensor map, int target, Settings s) throws OrtException {
        ObjectNode f = JSON.createObjectNode();
        var scorer = (dev.glimpse.explain.faithfulness.BatchScorer) batch -> {
            try {
                return e.targetProbabilities(batch, target);
            } catch (OrtException ex) {
                throw new IllegalStateException(ex);
            }
        };
        PerturbationCurves curves = new PerturbationCurves(scorer, s.faithfulnessSteps(), e.maxBatch());
        Tensor zeros = Tensor.zeros(x.shape());
        f.put("deletionAuc", curves.deletion(x, map, zeros).auc());
        f.put("insertionAuc", curves.insertion(x, map, zeros).auc());
        ConfidenceChange.Result c = ConfidenceChange.of(scorer, x, map);
        f.put("averageDropPercent", 100 * c.drop());
        f.put("increaseInConfidence", c.increase());
        f.put("deletionBaseline", "zeros");
        if (s.mask() != null) {
            PointingGame.Result pg = PointingGame.of(map, s.mask(), s.pointingTolerance());
            f.put("pointingGameHit", pg.hit());
            f.put("pointingGameDistance", pg.distance());
        }
        return f;
    }
}
