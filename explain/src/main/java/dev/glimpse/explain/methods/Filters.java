package dev.glimpse.explain.methods;

import ai.onnxruntime.OrtException;
import dev.glimpse.engine.onnx.Onnx;
import dev.glimpse.explain.Explainer;
import dev.glimpse.explain.Explanation;
import dev.glimpse.explain.ExplanationMethod;
import dev.glimpse.explain.Tensor;
import java.util.List;
import java.util.Map;

/**
 * The first convolution's weights [K,C,kh,kw] (raw) and, for rendering, each filter's response to the input
 * (the first conv's output, kept in the details under "responses").
 */
public final class Filters implements ExplanationMethod {

    @Override
    public String name() {
        return "filters";
    }

    @Override
    public void prepare(Explainer e, String layer) throws OrtException {
        e.prepareForward(List.of(firstConv(e).getOutput(0)));
    }

    private static Onnx.NodeProto firstConv(Explainer e) {
        return e.model().getGraph().getNodeList().stream().filter(n -> n.getOpType().equals("Conv")).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("filters: the model has no Conv node"));
    }

    @Override
    public Explanation explain(Explainer e, Request r) throws OrtException {
        Onnx.GraphProto g = e.model().getGraph();
        Onnx.NodeProto conv = firstConv(e);
        Onnx.TensorProto w = g.getInitializerList().stream().filter(t -> t.getName().equals(conv.getInput(1))).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("filters: the first Conv's weights '" + conv.getInput(1)
                        + "' are not an initializer"));
        int[] shape = w.getDimsList().stream().mapToInt(Long::intValue).toArray();
        Tensor weights = new Tensor(shape, Cam.floats(w));
        Tensor responses = LayerMaps.first(e.forward(r.input(), List.of(conv.getOutput(0))).get(conv.getOutput(0)));
        return new Explanation(name(), Explanation.Kind.IMAGES, weights, Map.of("responses", responses, "layer", conv.getOutput(0)));
    }
}
