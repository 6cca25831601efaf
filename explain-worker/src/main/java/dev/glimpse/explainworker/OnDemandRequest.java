package dev.glimpse.explainworker;

import dev.glimpse.contracts.events.Explanation;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A request to explain one cached image outside the policy: on demand from the console, or a disagreement found when
 * a late label arrives.
 *
 * @param target the class to explain, or -1 for the prediction's top-1
 * @param layer  the layer asked for, or null for the model's default layer
 */
record OnDemandRequest(String imageId, List<String> methods, int target, CompletableFuture<List<Explanation>> done,
                       String reason, String layer) {
}
