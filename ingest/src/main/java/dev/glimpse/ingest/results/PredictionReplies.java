package dev.glimpse.ingest.results;

import dev.glimpse.contracts.TopicCatalog;
import dev.glimpse.contracts.events.Prediction;
import dev.glimpse.platform.kafka.KafkaClients;
import dev.glimpse.platform.kafka.SideFeed;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Request–reply over Kafka: a caller {@link #expect}s an image id before it publishes the image, and the future
 * completes when the image's (non-shadow) prediction is committed on {@code predictions}. Every ingest instance
 * reads all partitions of {@code predictions} from the time it started (read_committed, no consumer group), so the
 * answer reaches the instance that took the request whichever inference worker produced it.
 */
public final class PredictionReplies implements AutoCloseable {

    private final Map<String, CompletableFuture<Prediction>> waiting = new ConcurrentHashMap<>();
    private final SideFeed feed;

    /** @param clients the cluster and its security settings ({@code PlatformConfig.kafkaClients}) */
    public PredictionReplies(String name, KafkaClients clients, TopicCatalog catalog) {
        this.feed = new SideFeed(name, clients, Duration.ZERO)
                .route(catalog.predictions(), (key, p) -> complete(p), false);
    }

    public void start() {
        feed.start();
    }

    /** Registers interest in an image's prediction; call before publishing the image. */
    public CompletableFuture<Prediction> expect(String imageId) {
        return waiting.computeIfAbsent(imageId, id -> new CompletableFuture<>());
    }

    /** Stops waiting for an image (the caller timed out or was answered). */
    public void forget(String imageId) {
        waiting.remove(imageId);
    }

    /** Requests still waiting. */
    public int waiting() {
        return waiting.size();
    }

    private void complete(Prediction p) {
        if (p.getShadow()) {
            return;
        }
        CompletableFuture<Prediction> f = waiting.remove(p.getImageId());
        if (f != null) {
            f.complete(p);
        }
    }

    @Override
    public void close() {
        feed.close();
        waiting.values().forEach(f -> f.cancel(false));
        waiting.clear();
    }
}
