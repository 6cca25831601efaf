package dev.glimpse.platform.kafka;

import dev.glimpse.contracts.TopicCatalog;
import dev.glimpse.contracts.events.ModelAnnouncement;
import java.time.Duration;

/**
 * The labels a service takes (ingest's label endpoints, the console's label control): class indices of the serving
 * model. Its class count comes from the newest PROMOTED announcement on {@code models} that states one
 * ({@code ModelAnnouncement.num_classes}); the service's configured count (e.g. {@code ingest.label.classes}) widens
 * the range when it is larger (a deployment teaching the model classes its head does not have yet: the training
 * service grows the head) and is the whole rule until a model is announced (0 = any non-negative index).
 * Thread-safe.
 */
public final class LabelRange implements AutoCloseable {

    /** The model whose classes count, as announced. */
    record Serving(String model, String version, int classes, long announcedAtMs) {
    }

    private final int configured;
    /** The configuration key {@link #configured} comes from, named in refusals. */
    private final String configuredKey;
    private final SideFeed feed;
    private volatile Serving serving;

    private LabelRange(int configured, String configuredKey, SideFeed feed) {
        if (configured < 0) {
            throw new IllegalArgumentException(configuredKey + " must be >= 0, got " + configured);
        }
        this.configured = configured;
        this.configuredKey = configuredKey;
        this.feed = feed;
    }

    /**
     * {@code configured} classes (0 = any non-negative index) from the key {@code configuredKey}, widened by the
     * announcements passed to {@link #announced} (a service that already follows {@code models} feeds them in).
     */
    public static LabelRange fixed(int configured, String configuredKey) {
        return new LabelRange(configured, configuredKey, null);
    }

    /** Follows the announcements on {@code models} itself (from its beginning; call {@link #start()}). */
    public static LabelRange following(KafkaClients clients, TopicCatalog catalog, int configured, String configuredKey,
                                       String clientId) {
        LabelRange[] self = new LabelRange[1];
        SideFeed feed = new SideFeed(clientId, clients, Duration.ZERO)
                .route(catalog.models(), (key, announcement) -> self[0].announced(announcement), true);
        self[0] = new LabelRange(configured, configuredKey, feed);
        return self[0];
    }

    public void start() {
        if (feed != null) {
            feed.start();
        }
    }

    /** Takes note of one announcement: a promotion that states its class count becomes the serving model's. */
    public void announced(ModelAnnouncement a) {
        if (a.getState() != ModelAnnouncement.State.PROMOTED || a.getNumClasses() <= 0) {
            return;
        }
        synchronized (this) {
            Serving now = serving;
            if (now == null || a.getAnnouncedAtMs() >= now.announcedAtMs()) {
                serving = new Serving(a.getModelName(), a.getVersion(), a.getNumClasses(), a.getAnnouncedAtMs());
            }
        }
    }

    /** The number of classes labels must stay below, 0 when any non-negative index goes. */
    public int classes() {
        Serving s = serving;
        return s == null ? configured : Math.max(s.classes(), configured);
    }

    public boolean accepts(int label) {
        int classes = classes();
        return label >= 0 && (classes == 0 || label < classes);
    }

    /** Why {@code label} is refused: the label, the valid range and where the range comes from. */
    public String problem(int label) {
        Serving s = serving;
        int classes = classes();
        if (classes == 0) {
            return "label " + label + " is not a class index (>= 0)";
        }
        String source = s != null && s.classes() >= configured
                ? "the serving model " + s.model() + " v" + s.version() + " has " + classes + " classes"
                : configuredKey + " is " + classes;
        return "label " + label + " is outside the classes 0.." + (classes - 1) + " (" + source + ")";
    }

    @Override
    public void close() {
        if (feed != null) {
            feed.close();
        }
    }
}
