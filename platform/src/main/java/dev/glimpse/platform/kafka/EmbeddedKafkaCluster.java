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
 * this JVM on loopback, each with its own data directory ({@code <dir>/node-<id>}) and ports. With 3 or more nodes
 * every topic, internal ones included, has 3 replicas and {@code min.insync.replicas=2}, so one node may be
 * stopped ({@link #stopNode}) and started again ({@link #restartNode}) while clients go on. One node is the
 * {@link EmbeddedKafkaBroker} itself.
 */
public final class EmbeddedKafkaCluster implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedKafkaCluster.class);
    private static final String BROKER_LISTENER = "PLAINTEXT";
    private static final String CONTROLLER_LISTENER = "CONTROLLER";

    /** One node of a multi-node cluster: fixed id, directory, ports and configuration; a server while it runs. */
    public static final class KafkaNode {
        private final int id;
        private final Path dir;
        private final int port;
        private final int controllerPort;
        private KafkaConfig config;
        private KafkaRaftServer server;

        KafkaNode(int id, Path dir, int port, int controllerPort) {
            this.id = id;
            this.dir = dir;
            this.port = port;
            this.controllerPort = controllerPort;
        }

        public int id() {
            return id;
        }

        public int port() {
            return port;
        }

        public Path dir() {
            return dir;
        }

        public synchronized boolean isRunning() {
            return server != null;
        }

        synchronized void start() {
            KafkaRaftServer s = new KafkaRaftServer(config, Time.SYSTEM);
            try {
                s.startup();
            } catch (RuntimeException e) {
                s.shutdown();
                throw new IllegalStateException("Kafka node " + id + " failed to start on data directory '" + dir
                        + "' (is another broker using it?): " + e.getMessage(), e);
            }
            server = s;
        }

        synchronized void stop() {
            if (server != null) {
                server.shutdown();
                server.awaitShutdown();
                server = null;
            }
        }
    }

    private final EmbeddedKafkaBroker single;
    private final List<KafkaNode> nodes;
    private final Path dataDir;
    private final String clusterId;
    private final short replicationFactor;
    private volatile boolean closed;

    private EmbeddedKafkaCluster(EmbeddedKafkaBroker single, List<KafkaNode> nodes, Path dataDir, String clusterId) {
        this.single = single;
        this.nodes = List.copyOf(nodes);
        this.dataDir = dataDir;
        this.clusterId = clusterId;
        this.replicationFactor = (short) Math.min(3, single != null ? 1 : nodes.size());
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Every node, {@code 127.0.0.1:p1,127.0.0.1:p2,...}, for {@code bootstrap.servers}. */
    public String bootstrapServers() {
        if (single != null) {
            return single.bootstrapServers();
        }
        return nodes.stream().map(n -> "127.0.0.1:" + n.port).collect(Collectors.joining(","));
    }

    public int size() {
        return single != null ? 1 : nodes.size();
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

    /** The nodes of a multi-node cluster (empty for one node, which is an {@link EmbeddedKafkaBroker}). */
    public List<KafkaNode> nodes() {
        return nodes;
    }

    /** Node ids and client ports, e.g. {@code 1@127.0.0.1:9092, 2@127.0.0.1:9093}. */
    public String describe() {
        if (single != null) {
            return single.bootstrapServers();
        }
        return nodes.stream().map(n -> n.id + "@127.0.0.1:" + n.port).collect(Collectors.joining(", "));
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
            return nodes.stream().filter(KafkaNode::isRunning)
                    .max(Comparator.comparingInt((KafkaNode n) -> led.getOrDefault(n.id, 0)).thenComparingInt(n -> -n.id))
                    .map(KafkaNode::id).orElseThrow(() -> new IllegalStateException("no Kafka node is running"));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while describing topics", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot describe the topics of " + describe() + ": " + e.getMessage(), e);
        }
    }

    /** Partitions (all topics, internal ones included) whose leader is the given node. */
    public int partitionsLedBy(int nodeId) {
        try (Admin admin = admin()) {
            Set<String> names = admin.listTopics(new ListTopicsOptions().listInternal(true)).names().get(30, TimeUnit.SECONDS);
            return (int) admin.describeTopics(names).allTopicNames().get(30, TimeUnit.SECONDS).values().stream()
                    .flatMap(d -> d.partitions().stream())
                    .filter(p -> p.leader() != null && !p.leader().isEmpty() && p.leader().id() == nodeId).count();
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
        KafkaNode n = node(nodeId);
        if (!n.isRunning()) {
            n.start();
            log.info("Kafka node {} restarted", nodeId);
        }
    }

    private KafkaNode node(int nodeId) {
        requireMultiNode();
        return nodes.stream().filter(n -> n.id == nodeId).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no Kafka node " + nodeId + " in " + describe()));
    }

    private void requireMultiNode() {
        if (single != null) {
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
        if (single != null) {
            single.close();
            return;
        }
        // Every node at once: stopped one after the other, the last ones wait for the quorum that the first left.
        List<Thread> stoppers = new ArrayList<>();
        for (KafkaNode n : nodes) {
            Thread t = new Thread(n::stop, "glimpse-kafka-stop-" + n.id);
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
        log.info("embedded Kafka cluster {} stopped in {} ms", describe(), (System.nanoTime() - start) / 1_000_000);
    }

    @Override
    public String toString() {
        return "EmbeddedKafkaCluster[" + describe() + ", data=" + dataDir + ", cluster=" + clusterId + "]";
    }

    /** Options of the embedded cluster; every one has a default. */
    public static final class Builder {
        private Path dataDir = EmbeddedKafkaBroker.DEFAULT_DATA_DIR;
        private int nodes = 1;
        private int preferredPort = EmbeddedKafkaBroker.DEFAULT_PORT;
        private final List<Topic<?, ?>> topics = new ArrayList<>();
        private final Map<String, String> overrides = new LinkedHashMap<>();

        /** The cluster's directory: the node's own data for one node, {@code node-<id>/} per node otherwise. */
        public Builder dataDir(Path dataDir) {
            this.dataDir = Objects.requireNonNull(dataDir, "dataDir");
            return this;
        }

        public Builder nodes(int nodes) {
            if (nodes < 1 || nodes > 9) {
                throw new IllegalArgumentException("nodes must be in 1..9, got " + nodes);
            }
            this.nodes = nodes;
            return this;
        }

        /** The first node's client port when free (node i: port + i - 1 when free); a free port otherwise. 0 = choose. */
        public Builder preferredPort(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("preferred port must be in 0..65535, got " + port);
            }
            this.preferredPort = port;
            return this;
        }

        public Builder topics(TopicCatalog catalog) {
            this.topics.addAll(catalog.all());
            return this;
        }

        /** A broker property of every node, applied last. */
        public Builder brokerProperty(String key, String value) {
            overrides.put(key, value);
            return this;
        }

        public EmbeddedKafkaCluster start() {
            Path dir = dataDir.toAbsolutePath().normalize();
            if (nodes == 1) {
                // One node has no peer to hand its leaderships to: a controlled shutdown only delays the stop (seen:
                // 12 s of a demo's 20 s Ctrl-C on a loaded machine); the logs are closed cleanly either way.
                EmbeddedKafkaBroker.Builder b = EmbeddedKafkaBroker.builder().dataDir(dir).preferredPort(preferredPort)
                        .brokerProperty("controlled.shutdown.enable", "false");
                overrides.forEach(b::brokerProperty);
                EmbeddedKafkaBroker broker = b.start();
                EmbeddedKafkaCluster cluster = new EmbeddedKafkaCluster(broker, List.of(), dir, broker.clusterId());
                createTopicsOrClose(cluster);
                return cluster;
            }
            long startNanos = System.nanoTime();
            List<KafkaNode> list = layOut(dir);
            String voters = list.stream().map(n -> n.id + "@127.0.0.1:" + n.controllerPort).collect(Collectors.joining(","));
            String clusterId = existingClusterId(list).orElseGet(() -> Uuid.randomUuid().toString());
            for (KafkaNode n : list) {
                Map<String, String> props = nodeProperties(n, voters, list.size());
                props.putAll(overrides);
                n.config = new KafkaConfig(props, false);
                formatIfNeeded(n, clusterId);
            }
            EmbeddedKafkaCluster cluster = new EmbeddedKafkaCluster(null, list, dir, clusterId);
            // In parallel: a node's start waits until the controller quorum (a majority of the nodes) is up.
            List<Thread> starters = new ArrayList<>();
            List<RuntimeException> failures = new ArrayList<>();
            for (KafkaNode n : list) {
                Thread t = new Thread(() -> {
                    try {
                        n.start();
                    } catch (RuntimeException e) {
                        synchronized (failures) {
                            failures.add(e);
                        }
                    }
                }, "glimpse-kafka-start-" + n.id);
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
            createTopicsOrClose(cluster);
            log.info("embedded Kafka cluster {} started in {} ms", cluster, (System.nanoTime() - startNanos) / 1_000_000);
            return cluster;
        }

        private void createTopicsOrClose(EmbeddedKafkaCluster cluster) {
            try {
                if (!topics.isEmpty()) {
                    cluster.createTopics(topics);
                }
            } catch (RuntimeException e) {
                cluster.close();
                throw e;
            }
        }

        /** Node i: {@code <dir>/node-i}, client port preferred + i - 1 when free, any free controller port. */
        private List<KafkaNode> layOut(Path dir) {
            List<KafkaNode> list = new ArrayList<>();
            Set<Integer> taken = new HashSet<>();
            for (int id = 1; id <= nodes; id++) {
                Path nodeDir = dir.resolve("node-" + id);
                try {
                    Files.createDirectories(nodeDir);
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot create Kafka data directory '" + nodeDir + "'", e);
                }
                int preferred = preferredPort == 0 ? 0 : preferredPort + id - 1;
                int port = choose(preferred, taken);
                int controllerPort = choose(0, taken);
                list.add(new KafkaNode(id, nodeDir, port, controllerPort));
            }
            return list;
        }

        private static int choose(int preferred, Set<Integer> taken) {
            int[] exclude = taken.stream().mapToInt(Integer::intValue).toArray();
            int port = preferred > 0 && !taken.contains(preferred) ? EmbeddedKafkaBroker.Builder.choosePort(preferred, exclude)
                    : EmbeddedKafkaBroker.Builder.choosePort(0, exclude);
            taken.add(port);
            return port;
        }

        private static Map<String, String> nodeProperties(KafkaNode n, String voters, int size) {
            int replicas = Math.min(3, size);
            String minIsr = String.valueOf(TopicCreator.minInsyncReplicas(replicas));
            Map<String, String> p = new HashMap<>();
            p.put("process.roles", "broker,controller");
            p.put("node.id", String.valueOf(n.id));
            // A static quorum: the voter set is not stored in the log, so controller ports may change between starts.
            p.put("controller.quorum.voters", voters);
            p.put("controller.listener.names", CONTROLLER_LISTENER);
            p.put("listeners", BROKER_LISTENER + "://127.0.0.1:" + n.port + "," + CONTROLLER_LISTENER + "://127.0.0.1:" + n.controllerPort);
            p.put("advertised.listeners", BROKER_LISTENER + "://127.0.0.1:" + n.port);
            p.put("listener.security.protocol.map", BROKER_LISTENER + ":PLAINTEXT," + CONTROLLER_LISTENER + ":PLAINTEXT");
            p.put("inter.broker.listener.name", BROKER_LISTENER);
            p.put("log.dirs", n.dir.toString());
            p.put("offsets.topic.replication.factor", String.valueOf(replicas));
            p.put("offsets.topic.num.partitions", "4");
            p.put("transaction.state.log.replication.factor", String.valueOf(replicas));
            p.put("transaction.state.log.min.isr", minIsr);
            p.put("transaction.state.log.num.partitions", "4");
            p.put("share.coordinator.state.topic.replication.factor", String.valueOf(replicas));
            p.put("share.coordinator.state.topic.min.isr", minIsr);
            p.put("default.replication.factor", String.valueOf(replicas));
            p.put("min.insync.replicas", minIsr);
            p.put("unclean.leader.election.enable", "false");
            p.put("group.initial.rebalance.delay.ms", "0");
            // Leaderships stay where a failover put them: moving them back to a restarted node 5 minutes later moved a
            // transaction coordinator in the middle of a commit and stalled that producer (seen in a chaos run).
            p.put("auto.leader.rebalance.enable", "false");
            // A stopped node is fenced (its partitions get new leaders) after 6 s without heartbeats, not 9 s (not less: a loaded machine delays heartbeats).
            p.put("broker.session.timeout.ms", "6000");
            p.put("broker.heartbeat.interval.ms", "1000");
            // Stopping a node is how the chaos option simulates its loss: no hand-over of leaderships first.
            p.put("controlled.shutdown.enable", "false");
            // Several nodes share the cores with the services: small pools and cleaner buffer per node.
            p.put("num.network.threads", "1");
            p.put("num.io.threads", "2");
            p.put("num.replica.fetchers", "1");
            p.put("background.threads", "2");
            p.put("num.recovery.threads.per.data.dir", "1");
            p.put("log.cleaner.threads", "1");
            p.put("log.cleaner.dedupe.buffer.size", String.valueOf(2 * 1024 * 1024));
            p.put("log.cleaner.backoff.ms", "1000");
            // Images up to TopicCatalog.MAX_IMAGE_RECORD_BYTES are replicated too.
            p.put("replica.fetch.max.bytes", String.valueOf(TopicCatalog.MAX_IMAGE_RECORD_BYTES + 64 * 1024));
            return p;
        }

        private static Optional<String> existingClusterId(List<KafkaNode> list) {
            for (KafkaNode n : list) {
                Path meta = n.dir.resolve("meta.properties");
                if (Files.exists(meta)) {
                    Properties p = new Properties();
                    try (var in = Files.newInputStream(meta)) {
                        p.load(in);
                    } catch (IOException e) {
                        throw new UncheckedIOException("cannot read '" + meta + "'", e);
                    }
                    String id = p.getProperty("cluster.id");
                    if (id == null) {
                        throw new IllegalStateException("'" + meta + "' has no cluster.id; not a Kafka data directory?");
                    }
                    return Optional.of(id);
                }
            }
            return Optional.empty();
        }

        private static void formatIfNeeded(KafkaNode n, String clusterId) {
            if (Files.exists(n.dir.resolve("meta.properties"))) {
                return;
            }
            try {
                new Formatter()
                        .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
                        .setNodeId(n.id)
                        .setClusterId(clusterId)
                        .setDirectories(Set.of(n.dir.toString()))
                        .setMetadataLogDirectory(n.dir.toString())
                        .setReleaseVersion(MetadataVersion.LATEST_PRODUCTION)
                        .setControllerListenerName(CONTROLLER_LISTENER)
                        .setIgnoreFormatted(false)
                        .run();
            } catch (Exception e) {
                throw new IllegalStateException("cannot format Kafka data directory '" + n.dir + "': " + e.getMessage(), e);
            }
        }
    }
}
