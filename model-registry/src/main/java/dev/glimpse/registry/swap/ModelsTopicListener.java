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
 * consumer must have no group (it is assigned all partitions) and is closed with the listener.
 */
public final class ModelsTopicListener implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ModelsTopicListener.class);

    private final Consumer<byte[], byte[]> consumer;
    private final Topic<String, ModelAnnouncement> topic;
    private final String modelName;
    private final ModelSwapper<?> swapper;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Thread thread;
    private volatile boolean caughtUp;

    public ModelsTopicListener(Consumer<byte[], byte[]> consumer, Topic<String, ModelAnnouncement> topic,
                               String modelName, ModelSwapper<?> swapper) {
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

    /** True once the history up to the end at start has been applied. */
    public boolean caughtUp() {
        return caughtUp;
    }

    private void run() {
        try {
            List<TopicPartition> partitions = new ArrayList<>();
            for (PartitionInfo p : consumer.partitionsFor(topic.name(), Duration.ofSeconds(30))) {
                partitions.add(new TopicPartition(p.topic(), p.partition()));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = new HashMap<>(consumer.endOffsets(partitions));
            List<ConsumerRecord<byte[], byte[]>> history = new ArrayList<>();
            while (running.get() && partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                consumer.poll(Duration.ofMillis(200)).forEach(history::add);
            }
            // one partition in the catalog; with more, announcement time orders them
            history.sort(Comparator.comparingLong(r -> topic.deserializeValue(r.value()).getAnnouncedAtMs()));
            List<ModelAnnouncement> announcements = history.stream().map(r -> topic.deserializeValue(r.value()))
                    .filter(a -> a != null && a.getModelName().equals(modelName)).toList();
            Optional<ModelAnnouncement> promoted = AnnouncementFollower.lastPromoted(modelName, announcements);
            promoted.ifPresent(swapper::onAnnouncement);
            unsettledShadow(announcements).ifPresent(swapper::onAnnouncement);
            caughtUp = true;
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
        } catch (InterruptException | WakeupException e) {
            // closing
        } catch (RuntimeException e) {
            LOG.error("models topic listener stopped: model announcements are no longer followed", e);
        } finally {
            consumer.close();
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
        consumer.wakeup();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
