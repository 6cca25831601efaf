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
}
