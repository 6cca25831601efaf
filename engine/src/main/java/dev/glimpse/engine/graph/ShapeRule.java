package dev.glimpse.engine.graph;

import java.util.Set;

/**
 * The shape rule of one ONNX operator family: from the shapes, element types and known values of a node's inputs,
 * the shapes and element types of its outputs, and their values where shape arithmetic needs them. Implementations
 * live in {@code dev.glimpse.engine.graph.shapes}, one class per operator family, registered in {@link ShapeRules}.
 */
public interface ShapeRule {

    /** The operator types this rule handles (default domain). */
    Set<String> opTypes();

    /**
     * Sets the outputs of {@code c.node()} with {@link ShapeContext#output} and, when its inputs are known values,
     * {@link ShapeContext#constantOutput}. Throws when the node cannot be given static shapes; the message then
     * tells why its outputs have no shape.
     */
    void infer(ShapeContext c);
}
