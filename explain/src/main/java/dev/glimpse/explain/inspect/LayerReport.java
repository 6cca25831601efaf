package dev.glimpse.explain.inspect;

import java.util.List;

/**
 * What inspect says about one node: op, output shape (per sample, -1 where unknown), parameters it owns,
 * multiply–accumulates per sample, and the receptive field of its output along H and W when it is spatial.
 */
public record LayerReport(String name, String op, List<String> inputs, String output, long[] outputShape,
        long outputElements, long parameters, long macs, ReceptiveField receptiveFieldH, ReceptiveField receptiveFieldW) {
}
