package dev.glimpse.explain;

import java.util.Map;

/**
 * The result of one method on one input: the raw array (shapes per the explain contract) and numbers worth
 * reporting (e.g. the integrated-gradients completeness gap).
 */
public record Explanation(String method, Kind kind, Tensor raw, Map<String, Object> details) {

    /** How the raw array is laid out, which decides how it is rendered and scored. */
    public enum Kind {
        /** [H',W'] at the layer's resolution */
        LAYER_MAP,
        /** [C,H,W] like the input */
        INPUT_ATTRIBUTION,
        /** [C',H',W'] of a layer */
        FEATURE_MAPS,
        /** a grid of images [N,C,H,W] (filters, activation maximisation) */
        IMAGES,
        /** [gy,gx] coarse map over input positions (occlusion) */
        POSITION_MAP;

        /** A heatmap over the input, and so scored for faithfulness: layer maps, attributions, occlusion. */
        public boolean isHeatmap() {
            return switch (this) {
                case LAYER_MAP, INPUT_ATTRIBUTION, POSITION_MAP -> true;
                case FEATURE_MAPS, IMAGES -> false;
            };
        }
    }
}
