package dev.glimpse.trainingservice;

import dev.glimpse.registry.store.ModelStoreLayout;
import dev.glimpse.registry.announce.ModelAnnouncer;
import dev.glimpse.contracts.events.Label;
import dev.glimpse.contracts.events.ModelAnnouncement;
import dev.glimpse.contracts.events.Prediction;
import dev.glimpse.trainingservice.lifecycle.RollbackGuard;
import dev.glimpse.trainingservice.lifecycle.ShadowEvaluator;
import dev.glimpse.registry.store.ModelState;
import dev.glimpse.registry.store.ModelStore;
import dev.glimpse.registry.store.StoredModel;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.ToIntFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which version of one model serves, and every change to it: promotion (automatic or by an operator), shadow
 * evaluation of a candidate, automatic rollback of a newly promoted version whose live labeled accuracy falls below
 * its predecessor's by more than a threshold, and pinning (a pinned version is never replaced automatically).
 * Every change is written to the model store and announced. Live accuracy comes from predictions that carry a
 * label or whose label arrives later (matched by image id within a bounded window). Thread-safe.
 */
public final class ModelLifecycle {
    private static final Logger LOG = LoggerFactory.getLogger(ModelLifecycle.class);
    private static final int PENDING_LIMIT = 100_000;

    /**
     * @param shadowFraction share of traffic a shadow candidate answers; 0 = candidates are promoted directly
     */
    public record Settings(double rollbackThreshold, long rollbackMinLabeled, long shadowMinLabeled,
                           double shadowFraction) {
        public Settings {
            if (!(rollbackThreshold >= 0 && rollbackThreshold <= 1)) {
                throw new IllegalArgumentException("rollback threshold must be in [0, 1], got " + rollbackThreshold);
            }
            if (rollbackMinLabeled < 1 || shadowMinLabeled < 1) {
                throw new IllegalArgumentException("minimum labeled events must be >= 1, got rollback "
                        + rollbackMinLabeled + ", shadow " + shadowMinLabeled);
            }
            if (!(shadowFraction >= 0 && shadowFraction <= 1)) {
                throw new IllegalArgumentException("shadow fraction must be in [0, 1], got " + shadowFraction);
            }
        }
    }

    /** An image's predictions and label seen so far. */
    private static final class Pending {
        int label = -1;
        String liveVersion;
        int liveTop1 = -1;
        String shadowVersion;
        int shadowTop1 = -1;
        boolean liveCounted;
        boolean shadowCounted;
    }

    private final String name;
    private final ModelStore store;
    private final ModelAnnouncer announcer;
    private final TrainingMetrics metrics;
    private final Settings settings;
    private final ToIntFunction<StoredModel> classCount;
    private final Map<String, long[]> live = new HashMap<>();
    private final LinkedHashMap<String, Pending> pending = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Pending> eldest) {
            return size() > PENDING_LIMIT;
        }
    };
    private RollbackGuard guard;
    private String guardedVersion;
    private String guardPrevious;
    private ShadowEvaluator shadow;
    private String shadowVersion;

    public ModelLifecycle(String name, ModelStore store, ModelAnnouncer announcer, TrainingMetrics metrics,
                          Settings settings) {
        this(name, store, announcer, metrics, settings, m -> 0);
    }

    /**
     * @param classCount the number of classes a stored version outputs, announced with it so that label endpoints
     *                   can check labels against the serving model (0 = unknown)
     */
    public ModelLifecycle(String name, ModelStore store, ModelAnnouncer announcer, TrainingMetrics metrics,
                          Settings settings, ToIntFunction<StoredModel> classCount) {
        this.classCount = classCount;
        this.name = ModelStoreLayout.validName(name);
        this.store = store;
        this.announcer = announcer;
        this.metrics = metrics;
        this.settings = settings;
    }

    public String name() {
        return name;
    }

    public Settings settings() {
        return settings;
    }

    public synchronized Optional<StoredModel> serving() {
        return store.serving(name);
    }

    public synchronized Optional<String> pinned() {
        return store.pinned(name);
    }

    public synchronized Optional<String> shadowVersion() {
        return Optional.ofNullable(shadowVersion);
    }

    /** Live labeled accuracy of a version, NaN when none of its predictions has a label yet. */
    public synchronized double liveAccuracy(String version) {
        long[] c = live.get(version);
        return c == null || c[1] == 0 ? Double.NaN : (double) c[0] / c[1];
    }

    public synchronized long liveLabeled(String version) {
        long[] c = live.get(version);
        return c == null ? 0 : c[1];
    }

    /** Makes a version the first serving one (bootstrap: a model put into an empty store). */
    public synchronized StoredModel bootstrap(String version, String reason) {
        StoredModel m = store.updateState(name, version, ModelState.PROMOTED, reason);
        store.setServing(name, version);
        announce(m, ModelState.PROMOTED, reason);
        return m;
    }

    /**
     * Promotes {@code version}. Automatic promotions are refused while a version is pinned; an operator's are not
     * (and re-pin the promoted version if a pin existed).
     */
    public synchronized StoredModel promote(String version, String reason, boolean byOperator) {
        ModelStoreLayout.validVersion(version);
        Optional<String> pin = store.pinned(name);
        if (pin.isPresent() && !byOperator) {
            throw new IllegalStateException("model " + name + " is pinned to " + pin.get() + ": not promoting "
                    + version + " automatically");
        }
        Optional<StoredModel> previous = store.serving(name);
        StoredModel promoted = store.updateState(name, version, ModelState.PROMOTED, reason);
        store.setServing(name, version);
        if (pin.isPresent()) {
            store.pin(name, version);
        }
        announce(promoted, ModelState.PROMOTED, reason);
        metrics.transition("promoted");
        if (version.equals(shadowVersion)) {
            shadow = null;
            shadowVersion = null;
        }
        if (previous.isPresent() && !previous.get().version().equals(version)) {
            String prev = previous.get().version();
            double baseline = baselineAccuracy(previous.get(), promoted);
            if (!Double.isNaN(baseline)) {
                guard = new RollbackGuard(baseline, settings.rollbackThreshold(), settings.rollbackMinLabeled());
                guardedVersion = version;
                guardPrevious = prev;
                LOG.info("model {}/{} promoted over {} ({}); watching live accuracy against {} (threshold {})", name,
                        version, prev, reason, String.format("%.4f", baseline), settings.rollbackThreshold());
            } else {
                guard = null;
                LOG.info("model {}/{} promoted over {} ({}); no baseline accuracy for a rollback guard", name, version,
                        prev, reason);
            }
        }
        return promoted;
    }

    /** Marks the serving version ROLLED_BACK and serves the one it replaced (or the newest earlier PROMOTED one). */
    public synchronized StoredModel rollback(String reason, boolean byOperator) {
        Optional<String> pin = store.pinned(name);
        if (pin.isPresent() && !byOperator) {
            throw new IllegalStateException("model " + name + " is pinned to " + pin.get() + ": not rolling back");
        }
        StoredModel current = store.serving(name).orElseThrow(() ->
                new IllegalStateException("model " + name + " has no serving version to roll back"));
        String previous = current.version().equals(guardedVersion) ? guardPrevious : earlierPromoted(current.version());
        if (previous == null) {
            throw new IllegalStateException("model " + name + "/" + current.version()
                    + " has no earlier promoted version to roll back to");
        }
        StoredModel bad = store.updateState(name, current.version(), ModelState.ROLLED_BACK, reason);
        announce(bad, ModelState.ROLLED_BACK, reason);
        String restoreReason = "restored after rollback of " + current.version() + ": " + reason;
        StoredModel restored = store.updateState(name, previous, ModelState.PROMOTED, restoreReason);
        store.setServing(name, previous);
        if (pin.isPresent()) {
            store.pin(name, previous);
        }
        announce(restored, ModelState.PROMOTED, restoreReason);
        metrics.transition("rolled_back");
        guard = null;
        guardedVersion = null;
        LOG.warn("model {}/{} ROLLED BACK to {}: {}", name, current.version(), previous, reason);
        return restored;
    }

    /** Pins {@code version} (promoting it if it does not serve yet); automation leaves the model alone until unpinned. */
    public synchronized void pin(String version) {
        ModelStoreLayout.validVersion(version);
        Optional<StoredModel> current = store.serving(name);
        store.pin(name, version);
        if (current.isEmpty() || !current.get().version().equals(version)) {
            promote(version, "pinned by operator", true);
        }
        LOG.info("model {} pinned to {}", name, version);
    }

    public synchronized void unpin() {
        store.unpin(name);
        LOG.info("model {} unpinned", name);
    }

    /** Announces a stored candidate as SHADOW: it answers a fraction of traffic until the evaluator decides. */
    public synchronized void startShadow(StoredModel candidate, String reason) {
        if (shadowVersion != null) {
            reject(shadowVersion, "superseded by shadow candidate " + candidate.version());
        }
        StoredModel s = store.updateState(name, candidate.version(), ModelState.SHADOW, reason);
        announce(s, ModelState.SHADOW, reason);
        shadow = new ShadowEvaluator(settings.shadowMinLabeled());
        shadowVersion = candidate.version();
        metrics.transition("shadow");
    }

    public synchronized void reject(String version, String reason) {
        StoredModel r = store.updateState(name, version, ModelState.REJECTED, reason);
        announce(r, ModelState.REJECTED, reason);
        metrics.transition("rejected");
        if (version.equals(shadowVersion)) {
            shadow = null;
            shadowVersion = null;
        }
    }

    /**
     * A serving worker refused {@code version} (bad bytes, signature, NaN ...) and keeps its old model: record the
     * rejection and, if the store says {@code version} serves, make the version it replaced serve again (announced
     * PROMOTED, so workers that did load it switch back too).
     */
    public synchronized void onRejectedByWorker(String version, String reason) {
        if (version.equals(shadowVersion)) {
            shadow = null;
            shadowVersion = null;
        }
        StoredModel rejected;
        try {
            rejected = store.get(name, version);
        } catch (RuntimeException e) {
            LOG.warn("worker rejected unknown version {}/{}: {}", name, version, reason);
            return;
        }
        if (rejected.manifest().state() == ModelState.REJECTED) {
            return; // another worker said so already
        }
        Optional<StoredModel> serving = store.serving(name);
        store.updateState(name, version, ModelState.REJECTED, reason);
        metrics.transition("rejected");
        LOG.warn("model {}/{} rejected by a worker: {}", name, version, reason);
        if (serving.isPresent() && serving.get().version().equals(version)) {
            String previous = version.equals(guardedVersion) ? guardPrevious : earlierPromoted(version);
            guard = null;
            guardedVersion = null;
            if (previous != null) {
                String why = "restored after a worker rejected " + version;
                StoredModel restored = store.updateState(name, previous, ModelState.PROMOTED, why);
                store.setServing(name, previous);
                announce(restored, ModelState.PROMOTED, why);
            }
        }
    }

    /** A prediction from the live model or the shadow model (by its {@code shadow} flag). */
    public synchronized void onPrediction(Prediction p) {
        if (!name.equals(p.getModelName()) && !p.getModelName().isEmpty()) {
            return;
        }
        Pending e = pending.computeIfAbsent(p.getImageId(), k -> new Pending());
        int top1 = p.getTopKCount() == 0 ? -1 : p.getTopK(0).getClassIndex();
        if (p.getShadow()) {
            e.shadowVersion = p.getModelVersion();
            e.shadowTop1 = top1;
        } else {
            e.liveVersion = p.getModelVersion();
            e.liveTop1 = top1;
        }
        if (p.getLabel() >= 0) {
            e.label = p.getLabel();
        }
        settle(p.getImageId(), e);
    }

    public synchronized void onLabel(Label label) {
        Pending e = pending.computeIfAbsent(label.getImageId(), k -> new Pending());
        e.label = label.getLabel();
        settle(label.getImageId(), e);
    }

    private void settle(String imageId, Pending e) {
        if (e.label < 0) {
            return;
        }
        if (e.liveVersion != null && !e.liveCounted) {
            e.liveCounted = true;
            boolean correct = e.liveTop1 == e.label;
            long[] c = live.computeIfAbsent(e.liveVersion, v -> new long[2]);
            c[0] += correct ? 1 : 0;
            c[1]++;
            metrics.liveAccuracy(e.liveVersion, (double) c[0] / c[1]);
            if (guard != null && e.liveVersion.equals(guardedVersion)) {
                guard.record(correct);
                checkGuard();
            }
        }
        if (shadow != null && e.shadowVersion != null && e.shadowVersion.equals(shadowVersion) && e.liveVersion != null
                && !e.shadowCounted) {
            e.shadowCounted = true;
            shadow.record(e.label, e.shadowTop1, e.liveTop1);
            metrics.shadow(shadowVersion, shadow.shadowAccuracy(), shadow.agreement());
            checkShadow();
        }
        // while a shadow runs, keep the entry for the other model's answer (the map is bounded by PENDING_LIMIT)
        if (e.liveCounted && (e.shadowCounted || shadow == null)) {
            pending.remove(imageId);
        }
    }

    private void checkGuard() {
        if (guard.verdict() == RollbackGuard.Verdict.ROLL_BACK) {
            String reason = String.format("live accuracy %.4f over %d labeled events is below %s's %.4f by more than %.4f",
                    guard.accuracy(), guard.labeled(), guardPrevious, guard.previousAccuracy(),
                    settings.rollbackThreshold());
            try {
                rollback(reason, false);
            } catch (IllegalStateException e) {
                LOG.warn("automatic rollback of {} not done: {}", guardedVersion, e.getMessage());
                guard = null;
            }
        } else if (guard.verdict() == RollbackGuard.Verdict.KEEP) {
            LOG.info("model {}/{} kept: live accuracy {} over {} labeled events", name, guardedVersion,
                    String.format("%.4f", guard.accuracy()), guard.labeled());
            guard = null;
        }
    }

    private void checkShadow() {
        ShadowEvaluator.Verdict v = shadow.verdict();
        if (v == ShadowEvaluator.Verdict.PENDING) {
            return;
        }
        String version = shadowVersion;
        String reason = String.format("shadow accuracy %.4f vs live %.4f over %d labeled events (agreement %.4f)",
                shadow.shadowAccuracy(), shadow.currentAccuracy(), shadow.labeled(), shadow.agreement());
        if (v == ShadowEvaluator.Verdict.PROMOTE) {
            try {
                promote(version, reason, false);
            } catch (IllegalStateException e) {
                LOG.info("shadow {} passed but not promoted: {}", version, e.getMessage());
                shadow = null;
                shadowVersion = null;
            }
        } else {
            reject(version, reason);
        }
    }

    /**
     * The previous version's live labeled accuracy when enough is known; else its accuracy on the holdout the new
     * version was judged on (recorded as the new version's parent_holdout_accuracy); else its own holdout accuracy.
     */
    private double baselineAccuracy(StoredModel previous, StoredModel promoted) {
        long[] c = live.get(previous.version());
        if (c != null && c[1] >= settings.rollbackMinLabeled()) {
            return (double) c[0] / c[1];
        }
        Double parentHoldout = promoted.manifest().metrics().get("parent_holdout_accuracy");
        if (parentHoldout != null && previous.version().equals(promoted.manifest().parentVersion())) {
            return parentHoldout;
        }
        Double holdout = previous.manifest().metrics().get("holdout_accuracy");
        if (holdout != null) {
            return holdout;
        }
        return c != null && c[1] > 0 ? (double) c[0] / c[1] : Double.NaN;
    }

    private String earlierPromoted(String version) {
        long n = ModelStoreLayout.versionNumber(version);
        List<StoredModel> all = store.versions(name);
        for (int i = all.size() - 1; i >= 0; i--) {
            StoredModel m = all.get(i);
            if (ModelStoreLayout.versionNumber(m.version()) < n && m.manifest().state() == ModelState.PROMOTED) {
                return m.version();
            }
        }
        return null;
    }

    private void announce(StoredModel m, ModelState state, String reason) {
        ModelAnnouncement.Builder a = ModelAnnouncement.newBuilder()
                .setModelName(name)
                .setVersion(m.version())
                .setState(state.toAnnouncement())
                .setUri(store.storeUri(m))
                .setSha256(m.manifest().sha256())
                .setParentVersion(m.manifest().parentVersion())
                .putAllMetrics(m.manifest().metrics())
                .setReason(reason == null ? "" : reason)
                .setAnnouncedAtMs(System.currentTimeMillis())
                .setNumClasses(Math.max(0, classCount.applyAsInt(m)));
        if (state == ModelState.SHADOW) {
            a.setShadowFraction(settings.shadowFraction());
        }
        announcer.announce(a.build());
    }
}
