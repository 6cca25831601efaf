package dev.glimpse.console;

import dev.glimpse.contracts.events.ImageEvent;
import dev.glimpse.platform.kafka.ImageCache;
import dev.glimpse.registry.artifacts.ArtifactId;
import dev.glimpse.registry.artifacts.ArtifactStore;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The inputs of explained predictions, kept after the image cache (which turns over in seconds at 200 images/s)
 * has dropped them: a PNG input is written to the artifact store (content-addressed, served like the heatmaps
 * and evicted with them), any other format is pinned in a second, smaller in-memory cache.
 */
final class KeptInputs implements Gallery.InputKeeper {

    private static final Logger LOG = LoggerFactory.getLogger(KeptInputs.class);

    private final ImageCache recent;
    private final ImageCache pinned;
    private final ArtifactStore store;

    /** @param store where PNG inputs go, or null to pin every input in memory */
    KeptInputs(ImageCache recent, ImageCache pinned, ArtifactStore store) {
        this.recent = recent;
        this.pinned = pinned;
        this.store = store;
    }

    @Override
    public String keep(String imageId) {
        Optional<ImageEvent> img = recent.get(imageId);
        if (img.isEmpty()) {
            return null; // already gone: the card shows /images/<id> and the page says it is not cached
        }
        if (store != null && "image/png".equals(img.get().getContentType())) {
            try {
                ArtifactId id = store.put(img.get().getData().toByteArray(), "png");
                return "/artifacts/" + id.id();
            } catch (RuntimeException e) {
                LOG.warn("could not keep the input of {} in the artifact store ({}); pinned in memory", imageId, e.toString());
            }
        }
        pinned.put(img.get());
        return null;
    }

    /** An image from the recent cache, else from the pinned one. */
    Optional<ImageEvent> get(String imageId) {
        Optional<ImageEvent> img = recent.get(imageId);
        return img.isPresent() ? img : pinned.get(imageId);
    }
}
