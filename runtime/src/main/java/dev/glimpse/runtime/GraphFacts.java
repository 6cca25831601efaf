package dev.glimpse.runtime;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import java.util.Arrays;
import java.util.Map;

/**
 * What the graph itself says about a classifier: its first input and first output with their shapes
 * ({@code -1} for a dynamic dimension), and the graph name. Metadata defaults are derived from these.
 */
public record GraphFacts(String graphName, String inputName, long[] inputShape, String outputName, long[] outputShape) {

    public GraphFacts {
        inputShape = inputShape.clone();
        outputShape = outputShape.clone();
    }

    public static GraphFacts of(OrtSession session) throws OrtException {
        Map.Entry<String, NodeInfo> input = session.getInputInfo().entrySet().iterator().next();
        Map.Entry<String, NodeInfo> output = session.getOutputInfo().entrySet().iterator().next();
        return new GraphFacts(session.getMetadata().getGraphName(), input.getKey(), shapeOf(input.getValue()),
                output.getKey(), shapeOf(output.getValue()));
    }

    private static long[] shapeOf(NodeInfo info) {
        if (info.getInfo() instanceof TensorInfo t) {
            return t.getShape();
        }
        throw new IllegalArgumentException("graph value '" + info.getName() + "' is not a tensor: " + info.getInfo());
    }

    /** Static channel count of an NCHW input, or -1. */
    public int inputChannels() {
        return inputShape.length == 4 ? (int) inputShape[1] : -1;
    }

    public int inputHeight() {
        return inputShape.length == 4 ? (int) inputShape[2] : -1;
    }

    public int inputWidth() {
        return inputShape.length == 4 ? (int) inputShape[3] : -1;
    }

    /** Static class count (last dimension of a 2-D output), or -1. */
    public int classCount() {
        return outputShape.length == 2 ? (int) outputShape[1] : -1;
    }

    @Override
    public long[] inputShape() {
        return inputShape.clone();
    }

    @Override
    public long[] outputShape() {
        return outputShape.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GraphFacts g && g.graphName.equals(graphName) && g.inputName.equals(inputName)
                && Arrays.equals(g.inputShape, inputShape) && g.outputName.equals(outputName)
                && Arrays.equals(g.outputShape, outputShape);
    }

    @Override
    public int hashCode() {
        return inputName.hashCode() * 31 + Arrays.hashCode(inputShape);
    }

    @Override
    public String toString() {
        return "GraphFacts[" + graphName + ": " + inputName + Arrays.toString(inputShape) + " -> " + outputName
                + Arrays.toString(outputShape) + "]";
    }
}
