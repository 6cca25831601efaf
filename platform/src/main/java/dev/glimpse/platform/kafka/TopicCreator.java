package dev.glimpse.platform.kafka;

import dev.glimpse.contracts.Topic;
import dev.glimpse.contracts.TopicCatalog;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.LeaderNotAvailableException;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/** Creates the topics that do not exist yet; "already exists" counts as success, so restarts and races are harmless. */
public final class TopicCreator {

    private static final String MIN_INSYNC_REPLICAS = "min.insync.replicas";

    private TopicCreator() {
    }

    public static void createMissing(Admin admin, TopicCatalog catalog, short replicationFactor) {
        createMissing(admin, catalog.all(), replicationFactor);
    }

    /**
     * The controller acknowledges a new topic before the brokers have applied it; waiting here until every
     * partition has a leader spares the first producer a round of NOT_LEADER_OR_FOLLOWER retries.
     */
    static void awaitLeaders(Admin admin, List<String> topics) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try {
                Map<String, TopicDescription> descriptions = admin.describeTopics(topics).allTopicNames().get();
                boolean ready = descriptions.values().stream().flatMap(d -> d.partitions().stream())
                        .allMatch(p -> p.leader() != null && !p.leader().isEmpty());
                if (ready) {
                    // The metadata cache knows the leader; ListOffsets succeeds only once the leader replica exists.
                    Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
                    descriptions.values().forEach(d -> d.partitions().forEach(
                            p -> latest.put(new TopicPartition(d.name(), p.partition()), OffsetSpec.latest())));
                    admin.listOffsets(latest).all().get();
                    return;
                }
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException)
                        && !(e.getCause() instanceof NotLeaderOrFollowerException)
                        && !(e.getCause() instanceof LeaderNotAvailableException)) {
                    throw new IllegalStateException("cannot describe topics " + topics + ": " + e.getCause().getMessage(), e.getCause());
                }
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("topics " + topics + " have no leader after 30 s");
            }
            Thread.sleep(50);
        }
    }

    /**
     * The topic with {@code min.insync.replicas} = 2 once it has 3 or more replicas: an {@code acks=all} write is
     * then on two brokers before it is acknowledged, so losing one broker loses nothing and writes go on.
     */
    static NewTopic newTopic(Topic<?, ?> topic, short replicationFactor) {
        NewTopic newTopic = topic.newTopic(replicationFactor);
        if (replicationFactor >= 3 && !topic.config().containsKey(MIN_INSYNC_REPLICAS)) {
            Map<String, String> config = new HashMap<>(topic.config());
            config.put(MIN_INSYNC_REPLICAS, String.valueOf(minInsyncReplicas(replicationFactor)));
            newTopic.configs(config);
        }
        return newTopic;
    }

    /** 2 for 3 or more replicas (one broker may be lost), else 1. */
    public static int minInsyncReplicas(int replicationFactor) {
        return replicationFactor >= 3 ? 2 : 1;
    }

    /** @return the names of the topics this call created */
    public static List<String> createMissing(Admin admin, Collection<? extends Topic<?, ?>> topics, short replicationFactor) {
        try {
            Set<String> existing = admin.listTopics().names().get();
            List<NewTopic> missing = topics.stream().filter(t -> !existing.contains(t.name()))
                    .map(t -> newTopic(t, replicationFactor)).toList();
            if (missing.isEmpty()) {
                return List.of();
            }
            for (var entry : admin.createTopics(missing).values().entrySet()) {
                try {
                    entry.getValue().get();
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new IllegalStateException("cannot create topic '" + entry.getKey() + "': "
                                + e.getCause().getMessage(), e.getCause());
                    }
                }
            }
            List<String> created = missing.stream().map(NewTopic::name).toList();
            awaitLeaders(admin, created);
            return created;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topics", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot list topics: " + e.getCause().getMessage(), e.getCause());
        }
    }
}
