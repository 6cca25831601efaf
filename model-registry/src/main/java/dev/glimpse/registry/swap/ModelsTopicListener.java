package dev.glimpse.registry.swap;

import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.WakeupException;
import dev.glimpse.contracts.Topic;
import dev.glimpse.contracts.events.ModelAnnouncement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the compacted {@code models} topic for a serving worker and feeds a {@link ModelSwapper}: first the whole
 * topic up to its current end, of which only the final state matters (the last PROMOTED announcement, and a SHADOW
 * announcement not settled afterwards), then every new announcement as it arrives. Runs its own thread; the
 * consumer must have no group (it is assigned all partitions) and is closed with the listener. It never gives up
 * while open: a topic that does not exist yet is waited for, and a failure (the cluster gone) is retried from a
 * fresh replay; {@link #state()} says which, for {@code /health} and a gauge.
 */
public final class ModelsTopicListener implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ModelsTopicListener.class);

    private final Consumer<byte[], byte[]> consumer;
    private final Topic<String, ModelAnnouncement> topic;
    private final String modelName;
    private final ModelSwapper<?> swapper;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Thread thread;
    private final Duration retryInterval;
    private final CountDownLatch closed = new CountDownLatch(1);
    private volatile boolean caughtUp;
    private volatile State state = State.STARTING;

    /** Where the listener is; only {@link #FOLLOWING} means announcements reach the swapper. */
    public enum State {
        STARTING,
        /** The topic does not exist (yet); checked again every retry interval. */
        WAITING_FOR_TOPIC,
        FOLLOWING,
        /** Reading failed (e.g. the cluster is unreachable); replayed again after the retry interval. */
        RETRYING,
        STOPPED
    }

    public ModelsTopicListener(Consumer<byte[], byte[]> consumer, Topic<String, ModelAnnouncement> topic,
                               String modelName, ModelSwapper<?> swapper) {
        this(consumer, topic, modelName, swapper, DEFAULT_RETRY_INTERVAL);
    }

    /** @param retryInterval how long it waits before looking for a missing topic again, or after a failure */
    public ModelsTopicListener(Consumer<byte[], byte[]> consumer, Topic<String, ModelAnnouncement> topic,
                               String modelName, ModelSwapper<?> swapper, Duration retryInterval) {
        this.retryInterval = retryInterval;
        this.consumer = consumer;
        this.topic = topic;
        this.modelName = modelName;
        this.swapper = swapper;
        this.thread = new Thread(this::run, "models-topic-listener");
        this.thread.setDaemon(true);
    }

    public void start() {
        thread.start();
    }

    public static final Duration DEFAULT_RETRY_INTERVAL = Duration.ofSeconds(5);

    public State state() {
        return state;
    }

    /** True while announcements reach the swapper (for {@code /health} and the following gauge). */
    public boolean following() {
        return state == State.FOLLOWING;
    }

    /** True once the history up to the end at start has been applied. */
    public boolean caughtUp() {
        return caughtUp;
    }

    private void run() {
        try {
            while (running.get()) {
                try {
                    List<TopicPartition> partitions = partitions();
                    if (partitions.isEmpty()) {
                        if (state != State.WAITING_FOR_TOPIC) {
                            LOG.warn("models topic '{}' does not exist (yet): model announcements are not followed until "
                                    + "it does; checking every {} s", topic.name(), retryInterval.toSeconds());
                        }
                        state = State.WAITING_FOR_TOPIC;
                        pause();
                        continue;
                    }
                    replayAndFollow(partitions);
                } catch (InterruptException | WakeupException e) {
                    throw e;
                } catch (RuntimeException e) {
                    // the broker went away, the topic was deleted, ...: replay from the start after a pause
                    state = State.RETRYING;
                    LOG.warn("models topic listener failed ({}): model announcements are not followed; retrying in {} s",
                            e.toString(), retryInterval.toSeconds());
                    pause();
                }
            }
        } catch (InterruptException | WakeupException e) {
            // closing
        } finally {
            state = State.STOPPED;
            consumer.close();
        }
    }

    private List<TopicPartition> partitions() {
        List<TopicPartition> partitions = new ArrayList<>();
        List<PartitionInfo> infos = consumer.partitionsFor(topic.name(), Duration.ofSeconds(30));
        for (PartitionInfo p : infos == null ? List.<PartitionInfo>of() : infos) {
            partitions.add(new TopicPartition(p.topic(), p.partition()));
        }
        return partitions;
    }

    private void replayAndFollow(List<TopicPartition> partitions) {
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        Map<TopicPartition, Long> end = new HashMap<>(consumer.endOffsets(partitions));
        List<ConsumerRecord<byte[], byte[]>> history = new ArrayList<>();
        while (running.get() && partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
            consumer.poll(Duration.ofMillis(200)).forEach(history::add);
        }
        List<ModelAnnouncement> announcements = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : history) {
            try {
                ModelAnnouncement a = topic.deserializeValue(r.value());
                if (a != null && a.getModelName().equals(modelName)) {
                    announcements.add(a);
                }
            } catch (RuntimeException e) {
                LOG.warn("skipping unreadable announcement at {}-{}@{}: {}", r.topic(), r.partition(), r.offset(), e.toString());
            }
        }
        // one partition in the catalog; with more, announcement time orders them
        announcements.sort(Comparator.comparingLong(ModelAnnouncement::getAnnouncedAtMs));
        Optional<ModelAnnouncement> promoted = AnnouncementFollower.lastPromoted(modelName, announcements);
        promoted.ifPresent(swapper::onAnnouncement);
        unsettledShadow(announcements).ifPresent(swapper::onAnnouncement);
        caughtUp = true;
        state = State.FOLLOWING;
        LOG.info("models topic replayed ({} announcements of {}): serving {}", announcements.size(), modelName,
                promoted.map(ModelAnnouncement::getVersion).orElse("the start model"));
        while (running.get()) {
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                try {
                    ModelAnnouncement a = topic.deserializeValue(r.value());
                    if (a != null) {
                        swapper.onAnnouncement(a);
                    }
                } catch (RuntimeException e) {
                    LOG.warn("skipping unreadable announcement at {}-{}@{}: {}", r.topic(), r.partition(),
                            r.offset(), e.toString());
                }
            }
        }
    }

    private void pause() {
        try {
            if (closed.await(retryInterval.toMillis(), TimeUnit.MILLISECONDS)) {
                running.set(false);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running.set(false);
        }
    }

    /** The last SHADOW announcement whose version has no later PROMOTED/REJECTED/ROLLED_BACK record. */
    static Optional<ModelAnnouncement> unsettledShadow(List<ModelAnnouncement> inOrder) {
        ModelAnnouncement shadow = null;
        for (ModelAnnouncement a : inOrder) {
            if (a.getState() == ModelAnnouncement.State.SHADOW) {
                shadow = a;
            } else if (shadow != null && a.getVersion().equals(shadow.getVersion())) {
                shadow = null;
            }
        }
        return Optional.ofNullable(shadow);
    }

    @Override
    public void close() {
        running.set(false);
        closed.countDown();
        consumer.wakeup();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
