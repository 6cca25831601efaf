package dev.glimpse.registry.swap;

import dev.glimpse.contracts.events.ModelAnnouncement;
import dev.glimpse.registry.announce.ModelAnnouncer;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker side of a model change, for any serving wrapper {@code M}: follows announcements
 * ({@link AnnouncementFollower}), loads and verifies the announced model in the background
 * ({@link ModelCandidateLoader}), turns a verified model into {@code M} with the caller's factory, and stages it in
 * the live or shadow {@link HotSwapSlot}; the batch thread switches at its next batch. A model that fails any check is
 * announced REJECTED (reason prefixed {@code worker <id>:}) and the old one keeps serving.
 */
public final class ModelSwapper<M extends AutoCloseable> {
    private static final Logger LOG = LoggerFactory.getLogger(ModelSwapper.class);

    /** Builds the serving wrapper from a verified model; it owns (and must close) {@code ready} from then on. */
    public interface ServingFactory<M> {
        M create(LoadedCandidate.Ready ready) throws Exception;
    }

    private final String workerId;
    private final ModelCandidateLoader loader;
    private final ServingFactory<M> factory;
    private final HotSwapSlot<M> live;
    private final HotSwapSlot<M> shadow;
    private final ModelAnnouncer rejections;
    private final MeterRegistry registry;
    private final AnnouncementFollower follower;
    private volatile ServingSignature signature;
    private volatile double shadowFraction;
    private volatile String shadowVersion;
    private CompletableFuture<Void> chain = CompletableFuture.completedFuture(null);

    /**
     * @param servingVersion   version serving at start, or null
     * @param servingSignature its signature (null = accept any first model)
     * @param shadow           slot of the shadow model, or null when this worker runs no shadows
     * @param rejections       where REJECTED announcements go (the {@code models} topic)
     */
    public ModelSwapper(String modelName, String workerId, String servingVersion, ServingSignature servingSignature,
                        ModelCandidateLoader loader, ServingFactory<M> factory, HotSwapSlot<M> live,
                        HotSwapSlot<M> shadow, ModelAnnouncer rejections, MeterRegistry registry) {
        this.workerId = workerId;
        this.loader = loader;
        this.factory = factory;
        this.live = live;
        this.shadow = shadow;
        this.rejections = rejections;
        this.registry = registry;
        this.follower = new AnnouncementFollower(modelName, servingVersion);
        this.signature = servingSignature;
    }

    /**
     * Call for every record of {@code models} in offset order, from one thread. Returns at once; loading happens on
     * the loader's thread, one model after the other in announcement order. The future completes when this
     * announcement's load (if any) was staged or rejected.
     */
    public synchronized CompletableFuture<Void> onAnnouncement(ModelAnnouncement a) {
        AnnouncementFollower.Action action = follower.onAnnouncement(a);
        switch (action) {
            case LOAD_AND_SWAP -> chain = chain.thenCompose(x -> loader.loadInBackground(a, signature))
                    .thenAccept(r -> accept(r, false));
            case START_SHADOW -> {
                if (shadow != null) {
                    chain = chain.thenCompose(x -> loader.loadInBackground(a, signature)).thenAccept(r -> accept(r, true));
                }
            }
            case STOP_SHADOW -> {
                if (shadow != null) {
                    shadowFraction = 0;
                    shadowVersion = null;
                    shadow.retire();
                }
            }
            case IGNORE -> {
            }
        }
        return chain;
    }

    private void accept(LoadedCandidate result, boolean asShadow) {
        ModelAnnouncement a = result.announcement();
        if (result instanceof LoadedCandidate.Rejected r) {
            synchronized (this) {
                follower.rejected(a.getVersion());
            }
            count("rejected");
            try {
                rejections.announce(r.toAnnouncement(workerId));
            } catch (RuntimeException e) {
                LOG.error("could not announce rejection of {}/{}: {}", a.getModelName(), a.getVersion(), e.toString());
            }
            return;
        }
        LoadedCandidate.Ready ready = (LoadedCandidate.Ready) result;
        M model;
        try {
            model = factory.create(ready);
        } catch (Exception e) {
            ready.close();
            count("rejected");
            rejections.announce(new LoadedCandidate.Rejected(a, "warmup-failed", "serving wrapper: " + e)
                    .toAnnouncement(workerId));
            return;
        }
        if (asShadow) {
            shadowFraction = a.getShadowFraction();
            shadowVersion = a.getVersion();
            shadow.stage(model);
            count("shadow");
        } else {
            signature = ServingSignature.of(ready.graph());
            live.stage(model);
            synchronized (this) {
                follower.swapped(a.getVersion());
            }
            count("staged");
            LOG.info("worker {}: model {}/{} staged; serving from the next batch", workerId, a.getModelName(),
                    a.getVersion());
        }
    }

    private void count(String result) {
        if (registry != null) {
            registry.counter("glimpse.model.swaps", "result", result).increment();
        }
    }

    /** Share of traffic the shadow model answers (use with {@link ShadowSampler}); 0 when none runs. */
    public double shadowFraction() {
        return shadowFraction;
    }

    public String shadowVersion() {
        return shadowVersion;
    }

    /** Version staged or serving last (the follower's view). */
    public synchronized String servingVersion() {
        return follower.serving();
    }

    /** Blocks until every announcement given so far is staged or rejected (tests, orderly shutdown). */
    public void awaitIdle() {
        CompletableFuture<Void> c;
        synchronized (this) {
            c = chain;
        }
        c.join();
    }

    /** Handles a sink that is not a {@link ModelAnnouncer}, e.g. a test list. */
    public static ModelAnnouncer announcerOf(Consumer<ModelAnnouncement> sink) {
        return sink::accept;
    }
}
