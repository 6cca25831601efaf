package dev.glimpse.platform.kafka;

import dev.glimpse.contracts.Topic;
import dev.glimpse.contracts.TopicCatalog;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.stream.Collectors;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.MetadataVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Real Apache Kafka nodes (KRaft, each node broker and controller: a combined quorum of all nodes) running inside
 * this JVM on loopback, each with its own data directory ({@code <dir>/node-<id>}, or {@code <dir>} itself for one
 * node) and ports. With 3 or more nodes every topic, internal ones included, has 3 replicas and
 * {@code min.insync.replicas=2}, so one node may be stopped ({@link #stopNode}) and started again
 * ({@link #restartNode}) while clients go on. The first start formats the directories (new cluster id, written to
 * {@code meta.properties}); later starts reuse them, so records survive a restart.
 */
public final class EmbeddedKafkaCluster implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedKafkaCluster.class);

    private final List<EmbeddedKafkaNode> nodes;
    private final Path dataDir;
    private final String clusterId;
    private final short replicationFactor;
    /** This process's claim on {@link #dataDir}, released when the cluster is closed. */
    private final DataDirLock lock;
    private volatile boolean closed;

    private EmbeddedKafkaCluster(List<EmbeddedKafkaNode> nodes, Path dataDir, String clusterId, DataDirLock lock) {
        this.nodes = List.copyOf(nodes);
        this.dataDir = dataDir;
        this.clusterId = clusterId;
        this.lock = lock;
        this.replicationFactor = (short) Math.min(3, nodes.size());
    }

    public static Builder<EmbeddedKafkaCluster> builder() {
        return new Builder<>(cluster -> cluster);
    }

    /** Every node, {@code 127.0.0.1:p1,127.0.0.1:p2,...}, for {@code bootstrap.servers}. */
    public String bootstrapServers() {
        return nodes.stream().map(n -> "127.0.0.1:" + n.port()).collect(Collectors.joining(","));
    }

    /** Every node's port of an extra listener (e.g. a SASL one), for {@code bootstrap.servers}. */
    public String bootstrapServers(String listenerName) {
        return nodes.stream().map(n -> "127.0.0.1:" + n.extraPort(listenerName).orElseThrow(() ->
                        new IllegalArgumentException("no extra listener '" + listenerName + "'; known: "
                                + n.extraListenerNames())))
                .collect(Collectors.joining(","));
    }

    public int size() {
        return nodes.size();
    }

    /** min(3, nodes). */
    public short replicationFactor() {
        return replicationFactor;
    }

    public Path dataDir() {
        return dataDir;
    }

    public String clusterId() {
        return clusterId;
    }

    /** The nodes, by id (node i at index i - 1). */
    public List<EmbeddedKafkaNode> nodes() {
        return nodes;
    }

    /** Node ids and client ports, e.g. {@code 1@127.0.0.1:9092, 2@127.0.0.1:9093}. */
    public String describe() {
        return nodes.stream().map(EmbeddedKafkaNode::toString).collect(Collectors.joining(", "));
    }

    public void createTopics(TopicCatalog catalog) {
        createTopics(catalog.all());
    }

    public void createTopics(List<? extends Topic<?, ?>> topics) {
        try (Admin admin = admin()) {
            TopicCreator.createMissing(admin, topics, replicationFactor);
        }
    }

    public Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
                AdminClientConfig.CLIENT_ID_CONFIG, "glimpse-embedded-admin"));
    }

    /**
     * The running node that leads the most partitions (internal topics included), the one whose loss moves the most
     * leaders.
     */
    public int leaderOfMostPartitions() {
        requireMultiNode();
        Map<Integer, Integer> led = partitionsLedByNode();
        return nodes.stream().filter(EmbeddedKafkaNode::isRunning)
                .max(Comparator.comparingInt((EmbeddedKafkaNode n) -> led.getOrDefault(n.id(), 0))
                        .thenComparingInt(n -> -n.id()))
                .map(EmbeddedKafkaNode::id).orElseThrow(() -> new IllegalStateException("no Kafka node is running"));
    }

    /** Partitions (all topics, internal ones included) whose leader is the given node. */
    public int partitionsLedBy(int nodeId) {
        return partitionsLedByNode().getOrDefault(nodeId, 0);
    }

    /** How many partitions (all topics, internal ones included) each node leads, by node id. */
    private Map<Integer, Integer> partitionsLedByNode() {
        try (Admin admin = admin()) {
            Set<String> names = admin.listTopics(new ListTopicsOptions().listInternal(true)).names().get(30, TimeUnit.SECONDS);
            Map<Integer, Integer> led = new HashMap<>();
            for (TopicDescription d : admin.describeTopics(names).allTopicNames().get(30, TimeUnit.SECONDS).values()) {
                for (TopicPartitionInfo p : d.partitions()) {
                    Node leader = p.leader();
                    if (leader != null && !leader.isEmpty()) {
                        led.merge(leader.id(), 1, Integer::sum);
                    }
                }
            }
            return led;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while describing topics", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot describe the topics of " + describe() + ": " + e.getMessage(), e);
        }
    }

    /**
     * Stops one node the way a crash does for its peers: no controlled shutdown (its leaderships are not handed
     * over first), so the controller fences it when its heartbeats stop and elects new leaders from the in-sync
     * replicas. Its data directory stays; {@link #restartNode} brings it back.
     */
    public void stopNode(int nodeId) {
        node(nodeId).stop();
        log.info("Kafka node {} stopped", nodeId);
    }

    /** Starts a stopped node again on its data directory and ports; it catches up from the others as a follower. */
    public void restartNode(int nodeId) {
        EmbeddedKafkaNode n = node(nodeId);
        if (!n.isRunning()) {
            n.start();
            log.info("Kafka node {} restarted", nodeId);
        }
    }

    private EmbeddedKafkaNode node(int nodeId) {
        requireMultiNode();
        return nodes.stream().filter(n -> n.id() == nodeId).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no Kafka node " + nodeId + " in " + describe()));
    }

    private void requireMultiNode() {
        if (nodes.size() == 1) {
            throw new IllegalStateException("a one-node cluster has no node to stop or restart; start 2 or more nodes");
        }
    }

    /** Stops every node (in reverse id order) and waits until their threads are gone. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        long start = System.nanoTime();
        // Every node at once: stopped one after the other, the last ones wait for the quorum that the first left.
        List<Thread> stoppers = new ArrayList<>();
        for (EmbeddedKafkaNode n : nodes) {
            Thread t = new Thread(n::stop, "glimpse-kafka-stop-" + n.id());
            t.start();
            stoppers.add(t);
        }
        for (Thread t : stoppers) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        lock.close();
        log.info("embedded Kafka cluster {} stopped in {} ms", describe(), (System.nanoTime() - start) / 1_000_000);
    }

    @Override
    public String toString() {
        return "EmbeddedKafkaCluster[" + describe() + ", data=" + dataDir + ", cluster=" + clusterId + "]";
    }

    /**
     * Options of the embedded cluster; every one has a default. {@code R} is what {@link #start()} returns: the
     * cluster, or the {@link EmbeddedKafkaBroker} view of a cluster of one.
     */
    public static final class Builder<R> {
        private final Function<EmbeddedKafkaCluster, R> result;
        private Path dataDir = EmbeddedKafkaBroker.DEFAULT_DATA_DIR;
        private int nodes = 1;
        private int preferredPort = EmbeddedKafkaBroker.DEFAULT_PORT;
        private final List<Topic<?, ?>> topics = new ArrayList<>();
        private final Map<String, String> overrides = new LinkedHashMap<>();
        private final Map<String, String> extraListeners = new LinkedHashMap<>();

        Builder(Function<EmbeddedKafkaCluster, R> result) {
            this.result = result;
        }

        /** The cluster's directory: the node's own data for one node, {@code node-<id>/} per node otherwise. */
        public Builder<R> dataDir(Path dataDir) {
            this.dataDir = Objects.requireNonNull(dataDir, "dataDir");
            return this;
        }

        public Builder<R> nodes(int nodes) {
            if (nodes < 1 || nodes > 9) {
                throw new IllegalArgumentException("nodes must be in 1..9, got " + nodes);
            }
            this.nodes = nodes;
            return this;
        }

        /** The first node's client port when free (node i: port + i - 1 when free); a free port otherwise. 0 = choose. */
        public Builder<R> preferredPort(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("preferred port must be in 0..65535, got " + port);
            }
            this.preferredPort = port;
            return this;
        }

        /** Topics created (if missing) once the cluster is up. */
        public Builder<R> topics(TopicCatalog catalog) {
            this.topics.addAll(catalog.all());
            return this;
        }

        /** A broker property of every node, e.g. {@code log.retention.hours}; applied last. */
        public Builder<R> brokerProperty(String key, String value) {
            overrides.put(key, value);
            return this;
        }

        /**
         * One more client listener on a free loopback port of each node, besides the PLAINTEXT one the nodes always
         * have (and use between themselves): e.g. {@code extraListener("SASL", "SASL_PLAINTEXT")} plus the
         * listener's {@code listener.name.sasl.*} settings as {@link #brokerProperty}s. Clients reach it at
         * {@link EmbeddedKafkaCluster#bootstrapServers(String)}.
         */
        public Builder<R> extraListener(String name, String securityProtocol) {
            extraListeners.put(name, securityProtocol);
            return this;
        }

        public R start() {
            long startNanos = System.nanoTime();
            Path dir = dataDir.toAbsolutePath().normalize();
            DataDirLock lock = DataDirLock.acquire(dir); // before anything in the directory is formatted or opened
            try {
                return start(dir, lock, startNanos);
            } catch (RuntimeException | Error e) {
                lock.close(); // a cluster that started has closed it already; closing twice is harmless
                throw e;
            }
        }

        private R start(Path dir, DataDirLock lock, long startNanos) {
            List<EmbeddedKafkaNode> list = layOut(dir);
            String voters = list.stream().map(n -> n.id() + "@127.0.0.1:" + n.controllerPort()).collect(Collectors.joining(","));
            String clusterId = list.stream().map(EmbeddedKafkaNode::existingClusterId).flatMap(Optional::stream)
                    .findFirst().orElseGet(() -> Uuid.randomUuid().toString());
            for (EmbeddedKafkaNode n : list) {
                n.configure(voters, list.size(), extraListeners, overrides);
                n.formatIfNeeded(clusterId);
            }
            EmbeddedKafkaCluster cluster = new EmbeddedKafkaCluster(list, dir, clusterId, lock);
            // In parallel: a node's start waits until the controller quorum (a majority of the nodes) is up.
            List<Thread> starters = new ArrayList<>();
            List<RuntimeException> failures = new ArrayList<>();
            for (EmbeddedKafkaNode n : list) {
                Thread t = new Thread(() -> {
                    try {
                        n.start();
                    } catch (RuntimeException e) {
                        synchronized (failures) {
                            failures.add(e);
                        }
                    }
                }, "glimpse-kafka-start-" + n.id());
                t.start();
                starters.add(t);
            }
            for (Thread t : starters) {
                try {
                    t.join();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    cluster.close();
                    throw new IllegalStateException("interrupted while starting the Kafka cluster", e);
                }
            }
            if (!failures.isEmpty()) {
                cluster.close();
                throw failures.get(0);
            }
            try {
                if (!topics.isEmpty()) {
                    cluster.createTopics(topics);
                }
            } catch (RuntimeException e) {
                cluster.close();
                throw e;
            }
            lock.announce(cluster.bootstrapServers());
            log.info("embedded Kafka cluster {} started in {} ms", cluster, (System.nanoTime() - startNanos) / 1_000_000);
            return result.apply(cluster);
        }

        /**
         * Node i: {@code <dir>/node-i} ({@code <dir>} itself for one node), client port preferred + i - 1 when free,
         * any free controller and extra listener ports.
         */
        private List<EmbeddedKafkaNode> layOut(Path dir) {
            List<EmbeddedKafkaNode> list = new ArrayList<>();
            Set<Integer> taken = new HashSet<>();
            for (int id = 1; id <= nodes; id++) {
                Path nodeDir = nodes == 1 ? dir : dir.resolve("node-" + id);
                try {
                    Files.createDirectories(nodeDir);
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot create Kafka data directory '" + nodeDir + "'", e);
                }
                int preferred = preferredPort == 0 ? 0 : preferredPort + id - 1;
                int port = choose(preferred, taken);
                int controllerPort = choose(0, taken);
                Map<String, Integer> extraPorts = new LinkedHashMap<>();
                for (String listener : extraListeners.keySet()) {
                    extraPorts.put(listener, choose(0, taken));
                }
                list.add(new EmbeddedKafkaNode(id, nodeDir, port, controllerPort, extraPorts));
            }
            return list;
        }

        private static int choose(int preferred, Set<Integer> taken) {
            int[] exclude = taken.stream().mapToInt(Integer::intValue).toArray();
            int port = EmbeddedKafkaNode.choosePort(preferred > 0 && !taken.contains(preferred) ? preferred : 0, exclude);
            taken.add(port);
            return port;
        }
    }
}
