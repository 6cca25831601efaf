package dev.glimpse.contracts;

import dev.glimpse.contracts.events.Explanation;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** Explains a recent prediction now, with methods of the caller's choosing (the console's "explain with…"). */
public interface OnDemandExplainer {

    /**
     * @param imageId id of an image with a recent prediction
     * @param methods method names, e.g. {@code gradcam++}
     * @param target  class to explain, or -1 for the top-1 class
     * @return the published explanations, one per method (an existing one when that (image, version, method)
     *         was explained before); fails with IllegalArgumentException for an unknown image or method
     */
    CompletableFuture<List<Explanation>> explain(String imageId, List<String> methods, int target);

    /**
     * As {@link #explain(String, List, int)} at a chosen layer (the prediction page's layer choice for feature maps
     * and the CAM family; input-gradient methods ignore it).
     *
     * @param layer an ONNX tensor name of a 4-D activation, or null for the explainer's default layer
     * @return as above; fails with IllegalArgumentException for an unknown layer, UnsupportedOperationException when
     *         this explainer cannot choose layers
     */
    default CompletableFuture<List<Explanation>> explain(String imageId, List<String> methods, int target, String layer) {
        if (layer == null || layer.isEmpty()) {
            return explain(imageId, methods, target);
        }
        return CompletableFuture.failedFuture(new UnsupportedOperationException("this explainer cannot choose the layer"));
    }

    /** Whether {@link #explain(String, List, int, String)} honours a layer. */
    default boolean choosesLayers() {
        return false;
    }
}
