package dev.glimpse.ingest;

import dev.glimpse.contracts.TopicCatalog;
import dev.glimpse.contracts.events.ModelAnnouncement;
import dev.glimpse.platform.kafka.KafkaClients;
import dev.glimpse.platform.kafka.SideFeed;
import java.time.Duration;

/**
 * The labels ingest takes: class indices of the serving model. Its class count comes from the newest PROMOTED
 * announcement on {@code models} that states one ({@code ModelAnnouncement.num_classes}); {@code ingest.label.classes}
 * widens the range when it is larger (a deployment teaching the model classes its head does not have yet: the
 * training service grows the head) and is the whole rule until a model is announced (0 = any non-negative index).
 * Thread-safe.
 */
public final class LabelRange implements AutoCloseable {

    /** The model whose classes count, as announced. */
    record Serving(String model, String version, int classes, long announcedAtMs) {
    }

    private final int configured;
    private final SideFeed feed;
    private volatile Serving serving;

    private LabelRange(int configured, SideFeed feed) {
        this.configured = configured;
        this.feed = feed;
    }

    /** Only {@code configured} classes (0 = any non-negative index); no announcement is followed. */
    public static LabelRange fixed(int configured) {
        return new LabelRange(configured, null);
    }

    /** Follows the announcements on {@code models} (from its beginning; call {@link #start()}). */
    public static LabelRange following(KafkaClients clients, TopicCatalog catalog, int configured, String clientId) {
        LabelRange[] self = new LabelRange[1];
        SideFeed feed = new SideFeed(clientId, clients, Duration.ZERO)
                .route(catalog.models(), (key, announcement) -> self[0].announced(announcement), true);
        self[0] = new LabelRange(configured, feed);
        return self[0];
    }

    public void start() {
        if (feed != null) {
            feed.start();
        }
    }

    /** Takes note of one announcement: a promotion that states its class count becomes the serving model's. */
    void announced(ModelAnnouncement a) {
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
                : "ingest.label.classes is " + classes;
        return "label " + label + " is outside the classes 0.." + (classes - 1) + " (" + source + ")";
    }

    @Override
    public void close() {
        if (feed != null) {
            feed.close();
        }
    }
}
