package dev.glimpse.explain;

import ai.onnxruntime.OrtException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.glimpse.engine.onnx.Onnx;
import dev.glimpse.explain.faithfulness.FaithfulnessScorer;
import dev.glimpse.explain.faithfulness.PointingGame;
import dev.glimpse.explain.faithfulness.Road;
import dev.glimpse.explain.io.Npy;
import dev.glimpse.explain.render.ExplanationRenderer;
import dev.glimpse.explain.render.Images;
import dev.glimpse.explain.render.OriginalImage;
import dev.glimpse.runtime.ModelMetadataKeys;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * One {@code explain} invocation: runs each method on one input, writes DIR/&lt;method&gt;.npy (raw),
 * DIR/&lt;method&gt;.png and DIR/summary.json (target, top-5 classes with labels, probabilities, layer, parameters,
 * timings, faithfulness).
 * Heatmaps are scored by the same {@link FaithfulnessScorer} as in the explain worker.
 */
public final class ExplainRun {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /**
     * @param faithfulnessSteps deletion/insertion steps, 0 = no faithfulness scores
     * @param pointingTolerance pointing-game tolerance in pixels of a 224-pixel image, scaled to the mask's larger
     *                          side ({@link FaithfulnessScorer})
     * @param original          the image before preprocessing, or null (a tensor input): PNG heatmaps are drawn over it
     *                          through the crop/letterbox geometry
     * @param roadPercentiles   ROAD percentages of pixels removed (empty = no ROAD), see {@link Road}
     * @param roadNoise         ROAD's imputation noise (standard deviation in the model's input space)
     */
    public record Settings(Integer target, String layer, Options options, Tensor mask, int faithfulnessSteps,
            double pointingTolerance, ExplanationRenderer renderer, OriginalImage original, int[] roadPercentiles,
            double roadNoise) {

        /** Settings without ROAD. */
        public Settings(Integer target, String layer, Options options, Tensor mask, int faithfulnessSteps,
                        double pointingTolerance, ExplanationRenderer renderer, OriginalImage original) {
            this(target, layer, options, mask, faithfulnessSteps, pointingTolerance, renderer, original, new int[0],
                    Road.DEFAULT_NOISE);
        }

        /** Settings for a tensor input: PNGs drawn over the preprocessed input. */
        public Settings(Integer target, String layer, Options options, Tensor mask, int faithfulnessSteps,
                        double pointingTolerance, ExplanationRenderer renderer) {
            this(target, layer, options, mask, faithfulnessSteps, pointingTolerance, renderer, null);
        }
    }

    /** Classes listed by name ahead of the full probability vector in summary.json. */
    static final int TOP_K = 5;

    private ExplainRun() {
    }

    /** Indices of the {@code k} largest probabilities, largest first. */
    static int[] topK(float[] probs, int k) {
        return IntStream.range(0, probs.length).boxed()
                .sorted((a, b) -> Float.compare(probs[b], probs[a]))
                .limit(k).mapToInt(Integer::intValue).toArray();
    }

    /** The model's class names ({@code glimpse.labels}), or the class indices when it has none for every class. */
    static List<String> labels(Onnx.ModelProto model, int classes) {
        for (Onnx.StringStringEntryProto prop : model.getMetadataPropsList()) {
            if (prop.getKey().equals(ModelMetadataKeys.LABELS)) {
                try {
                    List<String> names = Arrays.asList(JSON.readValue(prop.getValue(), String[].class));
                    if (names.size() == classes) {
                        return names;
                    }
                } catch (IOException malformed) {
                    break; // summary.json still gets written, with indices
                }
            }
        }
        return IntStream.range(0, classes).mapToObj(Integer::toString).toList();
    }

    public static ObjectNode run(Explainer e, Tensor input, List<ExplanationMethod> methods, Settings s, Path out)
            throws OrtException, IOException {
        Files.createDirectories(out);
        e.useTokenParameters(s.options());
        String layer = s.layer() != null ? e.requireLayer(s.layer()) : defaultLayerOrNull(e);
        // every session the methods need is built first, so that the method timings below are the methods' own
        double sessionsMs = e.prepare(methods, layer);
        long t0 = System.nanoTime();
        Tensor logits = e.logits(input);
        double forwardMs = (System.nanoTime() - t0) / 1e6;
        float[] probs = Explainer.softmax(logits.data(), 0, logits.size());
        int target = s.target() != null ? s.target() : logits.argmax();
        if (target < 0 || target >= probs.length) {
            throw new IllegalArgumentException("--target " + target + " is outside the model's classes 0.." + (probs.length - 1));
        }
        Tensor x = input.dropBatch();

        ObjectNode summary = JSON.createObjectNode();
        List<String> labels = labels(e.model(), probs.length);
        summary.put("target", target);
        summary.put("targetLabel", labels.get(target));
        summary.put("targetProbability", probs[target]);
        summary.put("targetLogit", logits.data()[target]);
        summary.put("top1", logits.argmax());
        // what a reader looks for first: the likeliest classes by name; the full vector (by class index) after it
        ArrayNode top = summary.putArray("top");
        for (int c : topK(probs, TOP_K)) {
            top.addObject().put("class", c).put("label", labels.get(c)).put("probability", probs[c]);
        }
        ArrayNode p = summary.putArray("probabilities");
        for (float v : probs) {
            p.add(v);
        }
        summary.put("layer", layer);
        summary.put("layerRule", s.layer() != null ? "given (--layer)" : Explainer.DEFAULT_LAYER_RULE);
        summary.put("layerLayout", e.layout(layer).describe());
        summary.put("logits", e.logitsName());
        summary.set("inputShape", JSON.valueToTree(input.shape()));
        ObjectNode timings = summary.putObject("timingsMs");
        timings.put("sessions", sessionsMs);
        timings.put("forward", forwardMs);
        // the mask covers the original image; maps are on the model input: compare them there (as the worker does)
        Tensor mask = s.mask() == null || s.original() == null ? s.mask()
                : PointingGame.maskInModelInput(s.mask(), s.original().geometry());
        ObjectNode methodsNode = summary.putObject("methods");
        ExplanationMethod.Request request = new ExplanationMethod.Request(input, target, layer, s.options());
        FaithfulnessScorer scorer = s.faithfulnessSteps() > 0
                ? new FaithfulnessScorer(s.faithfulnessSteps(), s.pointingTolerance()).withRoad(s.roadPercentiles(), s.roadNoise())
                : null;
        for (ExplanationMethod m : methods) {
            long start = System.nanoTime();
            Explanation ex = m.explain(e, request);
            double ms = (System.nanoTime() - start) / 1e6;
            timings.put(m.name(), ms);
            Npy.write(out.resolve(m.name() + ".npy"), ex.raw());
            Images.writePng(s.renderer().render(ex, x, s.original()), out.resolve(m.name() + ".png"));
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
            if (ex.kind().isHeatmap() && scorer != null) {
                FaithfulnessScorer.Scores f = scorer.score(e.targetScorer(target), e.maxBatch(), x, ex.raw(), mask);
                mn.set("faithfulness", faithfulness(f));
            }
        }
        summary.set("parameters", JSON.valueToTree(s.options().used()));
        Files.writeString(out.resolve("summary.json"), JSON.writeValueAsString(summary));
        return summary;
    }

    /**
     * The default layer, or null when the model has none and every method works on the input alone (FullGrad, the
     * gradient family, occlusion): their prepare and explain ignore the layer.
     */
    private static String defaultLayerOrNull(Explainer e) {
        try {
            return e.defaultLayer();
        } catch (IllegalArgumentException none) {
            return null;
        }
    }

    /** The scores as in the Explanation event (fractions, increase as 0/1), plus the pointing game's details. */
    private static ObjectNode faithfulness(FaithfulnessScorer.Scores scores) {
        ObjectNode f = JSON.createObjectNode();
        f.put("deletionAuc", scores.deletionAuc());
        f.put("insertionAuc", scores.insertionAuc());
        f.put("averageDrop", scores.averageDrop());
        f.put("increaseInConfidence", scores.increaseInConfidence());
        f.put("deletionBaseline", "zeros");
        scores.pointingGame().ifPresent(pg -> {
            f.put("pointingGameHit", pg.hit());
            f.put("pointingGameDistance", pg.distance());
            f.put("pointingGameTolerance", pg.tolerance());
        });
        scores.road().ifPresent(r -> {
            ObjectNode road = f.putObject("road");
            road.set("percentiles", JSON.valueToTree(r.percentiles()));
            road.set("morf", JSON.valueToTree(r.morf()));
            road.set("lerf", JSON.valueToTree(r.lerf()));
            road.put("morfMean", r.morfMean());
            road.put("lerfMean", r.lerfMean());
            road.put("combined", r.combined());
        });
        return f;
    }
}
