package dev.glimpse.explainworker;

import dev.glimpse.contracts.events.Explanation;
import dev.glimpse.contracts.events.Prediction;
import dev.glimpse.platform.kafka.ImageCache;

/**
 * What the worker remembers of the stream: images (to join predictions with), labels (for the disagreement policy),
 * recent predictions (for on-demand requests) and the explanations already published (one record per item).
 */
final class RecentEvents {

    final ImageCache images;
    final BoundedMap<String, Integer> labels = new BoundedMap<>(50_000);
    final BoundedMap<String, Prediction> predictions = new BoundedMap<>(20_000);
    final BoundedMap<String, Explanation> published = new BoundedMap<>(200_000);

    RecentEvents(ImageCache images) {
        this.images = images;
    }

    /**
     * An explanation read back from the topic (this and other instances): remembered for deduplication, except
     * on-demand ones, which may be at a layer other than the default and must not answer a request for the default layer.
     */
    void remember(Explanation e) {
        if ("on-demand".equals(e.getReason())) {
            return;
        }
        for (var a : e.getArtifactsList()) {
            published.put(ExplainItem.dedupKey(e.getImageId(), e.getModelName(), e.getModelVersion(), a.getMethod()), e);
        }
    }
}
