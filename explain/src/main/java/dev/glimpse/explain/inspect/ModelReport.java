package dev.glimpse.explain.inspect;

import java.util.List;

/** inspect's answer for a whole model: the layers in topological order and totals. */
public record ModelReport(String input, long[] inputShape, List<LayerReport> layers, long totalParameters, long totalMacs) {

    public LayerReport layerProducing(String tensor) {
        return layers.stream().filter(l -> l.output().equals(tensor)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no layer produces tensor '" + tensor + "'"));
    }
}
