package dev.glimpse.explainworker;

import dev.glimpse.contracts.events.ModelAnnouncement;
import dev.glimpse.engine.graph.OnnxModel;
import dev.glimpse.runtime.ModelMetadataKeys;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import dev.glimpse.registry.objectstore.ObjectFetcher;
import dev.glimpse.registry.objectstore.StoreUri;
import dev.glimpse.registry.store.ModelStoreLayout;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where the ONNX file of a model version is: the URI of its announcement on the {@code models} topic (a file, or
 * an {@code s3://} object downloaded, verified and cached on first use), else the
 * model store layout {@code <root>/<name>/<version>/model.onnx} when the configured model path is a directory,
 * else the configured model file itself (a single-model deployment) — but only for the model and version that file
 * says it is in its metadata, so a prediction answered by a hot-swapped version is never explained with another
 * version's weights. Announcements that reject or roll back a version retire it, and listeners (the session cache)
 * drop what they hold for it.
 */
public final class ModelCatalog {

    private static final Logger LOG = LoggerFactory.getLogger(ModelCatalog.class);

    private final Path configured;
    private final ObjectFetcher fetcher;
    private final Map<ModelKey, Path> announced = new ConcurrentHashMap<>();
    /** Announced versions in a bucket: downloaded (verified, cached) when first resolved. */
    private final Map<ModelKey, ModelAnnouncement> inBucket = new ConcurrentHashMap<>();
    private final Map<ModelKey, Boolean> retired = new ConcurrentHashMap<>();
    private final CopyOnWriteArrayList<Consumer<ModelKey>> retireListeners = new CopyOnWriteArrayList<>();
    private final CopyOnWriteArrayList<Consumer<ModelKey>> servingListeners = new CopyOnWriteArrayList<>();
    private final Map<ModelKey, Boolean> mismatchLogged = new ConcurrentHashMap<>();
    private volatile Map<String, String> configuredMetadata;

    /** @param configured a model file, a model store root, or null */
    public ModelCatalog(Path configured) {
        this(configured, ObjectFetcher.localFilesOnly());
    }

    /** @param fetcher reads announced {@code s3://} URIs (verified against the announced sha256, cached) */
    public ModelCatalog(Path configured, ObjectFetcher fetcher) {
        this.configured = configured;
        this.fetcher = fetcher;
    }

    public void onRetired(Consumer<ModelKey> listener) {
        retireListeners.add(listener);
    }

    /** Listeners told of every version announced as promoted or shadow: the versions whose predictions arrive. */
    public void onServing(Consumer<ModelKey> listener) {
        servingListeners.add(listener);
    }

    /** The model and version of the configured single model file (from its metadata), if that is what is configured. */
    public Optional<ModelKey> configuredModel() {
        if (configured == null || !Files.isRegularFile(configured)) {
            return Optional.empty();
        }
        Map<String, String> meta;
        try {
            meta = configuredMetadata();
        } catch (IllegalStateException unreadable) {
            return Optional.empty(); // reported when a request resolves the model
        }
        String name = meta.get(ModelMetadataKeys.NAME);
        String version = meta.get(ModelMetadataKeys.VERSION);
        return name == null || version == null ? Optional.empty() : Optional.of(new ModelKey(name, version));
    }

    public void accept(ModelAnnouncement a) {
        ModelKey key = new ModelKey(a.getModelName(), a.getVersion());
        if (!a.getUri().isBlank()) {
            try {
                if (StoreUri.parse(a.getUri()) instanceof StoreUri.LocalFile f) {
                    announced.put(key, f.path());
                } else {
                    inBucket.put(key, a);
                }
            } catch (RuntimeException e) {
                LOG.warn("ignoring model announcement {} with unusable uri '{}': {}", key, a.getUri(), e.getMessage());
            }
        }
        if (a.getState() == ModelAnnouncement.State.REJECTED || a.getState() == ModelAnnouncement.State.ROLLED_BACK) {
            retire(key);
        } else if ((a.getState() == ModelAnnouncement.State.PROMOTED || a.getState() == ModelAnnouncement.State.SHADOW)
                && !isRetired(key)) {
            servingListeners.forEach(l -> l.accept(key));
        }
    }

    public void retire(ModelKey key) {
        if (retired.put(key, Boolean.TRUE) == null) {
            LOG.info("model version {} retired; dropping its explanation sessions", key);
        }
        retireListeners.forEach(l -> l.accept(key));
    }

    public boolean isRetired(ModelKey key) {
        return retired.containsKey(key);
    }

    public Optional<Path> resolve(ModelKey key) {
        Path a = announced.get(key);
        if (a != null && Files.isRegularFile(a)) {
            return Optional.of(a);
        }
        ModelAnnouncement remote = inBucket.get(key);
        if (remote != null) {
            try {
                return Optional.of(fetcher.fetchToFile(remote.getUri(), remote.getSha256()));
            } catch (ObjectFetcher.FetchException e) {
                LOG.warn("model version {} cannot be read from {} ({}): {}", key, remote.getUri(), e.reason(), e.getMessage());
                return Optional.empty();
            }
        }
        if (configured == null) {
            return Optional.empty();
        }
        if (Files.isDirectory(configured)) {
            return new ModelStoreLayout(configured).existingModelFile(key.name(), key.version());
        }
        if (!Files.isRegularFile(configured)) {
            return Optional.empty();
        }
        return isConfiguredFile(key) ? Optional.of(configured) : Optional.empty();
    }

    /** Whether the configured file is {@code key}: its metadata name and version (when present) match. */
    private boolean isConfiguredFile(ModelKey key) {
        Map<String, String> meta = configuredMetadata();
        String name = meta.get(ModelMetadataKeys.NAME);
        String version = meta.get(ModelMetadataKeys.VERSION);
        boolean same = (name == null || name.equals(key.name()))
                && (version == null || bareVersion(version).equals(bareVersion(key.version())));
        if (!same && mismatchLogged.put(key, Boolean.TRUE) == null) {
            LOG.warn("no model file for {}: the configured model {} is {} {} and no announcement names that version; "
                    + "its predictions are not explained with another version's weights", key, configured, name, version);
        }
        return same;
    }

    private Map<String, String> configuredMetadata() {
        Map<String, String> m = configuredMetadata;
        if (m == null) {
            try {
                m = OnnxModel.load(configured).metadata();
            } catch (IOException | RuntimeException e) {
                throw new IllegalStateException("cannot read the metadata of model " + configured + ": " + e.getMessage(), e);
            }
            configuredMetadata = m;
        }
        return m;
    }

    /** "v3" and "3" name the same version (the store's versions and the metadata's). */
    private static String bareVersion(String v) {
        return v.startsWith("v") ? v.substring(1) : v;
    }
}
