package dev.glimpse.ingest.results;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.glimpse.contracts.events.Artifact;
import dev.glimpse.contracts.events.ClassScore;
import dev.glimpse.contracts.events.Explanation;
import dev.glimpse.contracts.events.Prediction;
import dev.glimpse.contracts.events.PredictionResult;

/**
 * The results API's JSON: {@code {"id", "model": {"name", "version"}, "top": [{"index", "label", "probability"}],
 * "latencyMs"}}, plus for a stored result {@code "explanations": [{"method", "modelVersion", "reason", "imageUrl",
 * "rawUrl", "rawShape", "faithfulness": {"deletionAuc", "insertionAuc", "averageDrop", "averageIncrease"}}]} and
 * {@code "label"} when one is known. Artifact ids ({@code artifact:<sha256>.<ext>}) become URLs under
 * {@code artifactsUrl}/artifacts/ (the console serves them); other URIs are given as they are.
 */
public final class ResultsJson {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final String ARTIFACT_SCHEME = "artifact:";

    private final String artifactsUrl;

    /** @param artifactsUrl base URL of the server of explanation artifacts (the console), without a trailing slash */
    public ResultsJson(String artifactsUrl) {
        this.artifactsUrl = artifactsUrl.endsWith("/") ? artifactsUrl.substring(0, artifactsUrl.length() - 1) : artifactsUrl;
    }

    public ObjectNode prediction(Prediction p) {
        ObjectNode o = NODES.objectNode().put("id", p.getImageId());
        o.putObject("model").put("name", p.getModelName()).put("version", p.getModelVersion());
        ArrayNode top = o.putArray("top");
        for (ClassScore c : p.getTopKList()) {
            top.addObject().put("index", c.getClassIndex()).put("label", c.getClassName()).put("probability", c.getProbability());
        }
        long latency = p.hasTimings() && p.getTimings().getEndToEndMs() > 0 ? p.getTimings().getEndToEndMs()
                : p.getIngestedAtMs() > 0 && p.getPredictedAtMs() > 0 ? p.getPredictedAtMs() - p.getIngestedAtMs() : 0;
        o.put("latencyMs", latency);
        return o;
    }

    public ObjectNode result(PredictionResult r) {
        ObjectNode o = prediction(r.getPrediction());
        ArrayNode list = o.putArray("explanations");
        for (Explanation e : r.getExplanationsList()) {
            for (Artifact a : e.getArtifactsList()) {
                ObjectNode x = list.addObject().put("method", a.getMethod()).put("modelVersion", e.getModelVersion())
                        .put("reason", e.getReason()).put("targetClass", e.getTargetClass()).put("layer", e.getLayer())
                        .put("imageUrl", url(a.getImageUri())).put("rawUrl", url(a.getRawUri()));
                ArrayNode shape = x.putArray("rawShape");
                a.getRawShapeList().forEach(shape::add);
                if (a.hasFaithfulness()) {
                    x.putObject("faithfulness").put("deletionAuc", a.getFaithfulness().getDeletionAuc())
                            .put("insertionAuc", a.getFaithfulness().getInsertionAuc())
                            .put("averageDrop", a.getFaithfulness().getAverageDrop())
                            .put("averageIncrease", a.getFaithfulness().getAverageIncrease());
                }
            }
        }
        if (r.getHasLabel()) {
            o.putObject("label").put("index", r.getLabel().getLabel()).put("source", r.getLabel().getSource());
        }
        o.put("firstSeenMs", r.getAcceptedAtMs());
        return o;
    }

    String url(String uri) {
        if (uri == null || uri.isEmpty()) {
            return "";
        }
        if (uri.startsWith(ARTIFACT_SCHEME)) {
            return artifactsUrl + "/artifacts/" + uri.substring(ARTIFACT_SCHEME.length());
        }
        return uri;
    }
}
