package dev.glimpse.platform.kafka;

import dev.glimpse.contracts.TopicCatalog;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.MetadataVersion;

/**
 * One in-process Apache Kafka node (KRaft, broker and controller in one server, on loopback): its id, data
 * directory, ports and configuration, and a server while it runs. The one place that configures, formats, starts
 * and stops a node; {@link EmbeddedKafkaCluster} lays out one or more of them ({@link EmbeddedKafkaBroker} is a
 * cluster of one).
 */
public final class EmbeddedKafkaNode {

    static final String BROKER_LISTENER = "PLAINTEXT";
    static final String CONTROLLER_LISTENER = "CONTROLLER";

    static {
        // Kafka logs hundreds of INFO lines while starting, and some expected WARNs (empty metadata log, closing
        // channels); keep clients at WARN and the server at ERROR unless the user chose.
        Map<String, String> levels = Map.of("org.apache.kafka", "warn", "kafka", "error", "state.change.logger", "error",
                "org.apache.kafka.controller", "error", "org.apache.kafka.raft", "error",
                "org.apache.kafka.metadata", "error", "org.apache.kafka.server", "error",
                "org.apache.kafka.clients.NetworkClient", "error");
        levels.forEach((logger, level) -> {
            String key = "org.slf4j.simpleLogger.log." + logger;
            if (System.getProperty(key) == null) {
                System.setProperty(key, level);
            }
        });
    }

    private final int id;
    private final Path dir;
    private final int port;
    private final int controllerPort;
    /** Ports of the extra client listeners (e.g. a SASL one), by listener name. */
    private final Map<String, Integer> extraPorts;
    private KafkaConfig config;
    private KafkaRaftServer server;

    EmbeddedKafkaNode(int id, Path dir, int port, int controllerPort, Map<String, Integer> extraPorts) {
        this.id = id;
        this.dir = dir;
        this.port = port;
        this.controllerPort = controllerPort;
        this.extraPorts = Map.copyOf(extraPorts);
    }

    public int id() {
        return id;
    }

    public int port() {
        return port;
    }

    public int controllerPort() {
        return controllerPort;
    }

    public Path dir() {
        return dir;
    }

    /** The port of an extra listener, if this node has one of that name. */
    Optional<Integer> extraPort(String listenerName) {
        return Optional.ofNullable(extraPorts.get(listenerName));
    }

    Set<String> extraListenerNames() {
        return extraPorts.keySet();
    }

    public synchronized boolean isRunning() {
        return server != null;
    }

    /**
     * Fixes the node's configuration: the properties of a node of a cluster of {@code size} nodes with the given
     * controller voters, extra listeners (name → security protocol) and overrides (applied last).
     */
    void configure(String voters, int size, Map<String, String> extraListeners, Map<String, String> overrides) {
        Map<String, String> props = properties(voters, size);
        for (Map.Entry<String, String> l : extraListeners.entrySet()) {
            String listener = "," + l.getKey() + "://127.0.0.1:" + extraPorts.get(l.getKey());
            props.merge("listeners", listener, String::concat);
            props.merge("advertised.listeners", listener, String::concat);
            props.merge("listener.security.protocol.map", "," + l.getKey() + ":" + l.getValue(), String::concat);
        }
        props.putAll(overrides);
        config = new KafkaConfig(props, false);
    }

    private Map<String, String> properties(String voters, int size) {
        int replicas = Math.min(3, size);
        String minIsr = String.valueOf(TopicCreator.minInsyncReplicas(replicas));
        Map<String, String> p = new HashMap<>();
        p.put("process.roles", "broker,controller");
        p.put("node.id", String.valueOf(id));
        // A static quorum: the voter set is not stored in the log, so controller ports may change between starts.
        p.put("controller.quorum.voters", voters);
        p.put("controller.listener.names", CONTROLLER_LISTENER);
        p.put("listeners", BROKER_LISTENER + "://127.0.0.1:" + port + "," + CONTROLLER_LISTENER + "://127.0.0.1:" + controllerPort);
        p.put("advertised.listeners", BROKER_LISTENER + "://127.0.0.1:" + port);
        p.put("listener.security.protocol.map", BROKER_LISTENER + ":PLAINTEXT," + CONTROLLER_LISTENER + ":PLAINTEXT");
        p.put("inter.broker.listener.name", BROKER_LISTENER);
        p.put("log.dirs", dir.toString());
        // Internal topics get min(3, nodes) replicas: with one node, transactions and groups need exactly one.
        p.put("offsets.topic.replication.factor", String.valueOf(replicas));
        p.put("offsets.topic.num.partitions", "4");
        p.put("transaction.state.log.replication.factor", String.valueOf(replicas));
        p.put("transaction.state.log.min.isr", minIsr);
        p.put("transaction.state.log.num.partitions", "4");
        p.put("share.coordinator.state.topic.replication.factor", String.valueOf(replicas));
        p.put("share.coordinator.state.topic.min.isr", minIsr);
        p.put("default.replication.factor", String.valueOf(replicas));
        p.put("min.insync.replicas", minIsr);
        p.put("group.initial.rebalance.delay.ms", "0");
        // One node has no peer to hand its leaderships to, so a controlled shutdown only delays the stop (seen: 12 s
        // of a demo's 20 s Ctrl-C on a loaded machine); with several, stopping a node is how the chaos option
        // simulates its loss. The logs are closed cleanly either way.
        p.put("controlled.shutdown.enable", "false");
        p.put("num.recovery.threads.per.data.dir", "1");
        p.put("log.cleaner.threads", "1");
        p.put("log.cleaner.backoff.ms", "1000");
        if (size == 1) {
            // Small thread pools and cleaner buffer: this broker shares a laptop with the services.
            p.put("num.network.threads", "2");
            p.put("num.io.threads", "4");
            p.put("background.threads", "4");
            p.put("log.cleaner.dedupe.buffer.size", String.valueOf(4 * 1024 * 1024));
        } else {
            p.put("unclean.leader.election.enable", "false");
            // Leaderships stay where a failover put them: moving them back to a restarted node 5 minutes later moved a
            // transaction coordinator in the middle of a commit and stalled that producer (seen in a chaos run).
            p.put("auto.leader.rebalance.enable", "false");
            // A stopped node is fenced (its partitions get new leaders) after 6 s without heartbeats, not 9 s (not
            // less: a loaded machine delays heartbeats).
            p.put("broker.session.timeout.ms", "6000");
            p.put("broker.heartbeat.interval.ms", "1000");
            // Several nodes share the cores with the services: smaller pools and cleaner buffer per node.
            p.put("num.network.threads", "1");
            p.put("num.io.threads", "2");
            p.put("num.replica.fetchers", "1");
            p.put("background.threads", "2");
            p.put("log.cleaner.dedupe.buffer.size", String.valueOf(2 * 1024 * 1024));
            // Images up to TopicCatalog.MAX_IMAGE_RECORD_BYTES are replicated too.
            p.put("replica.fetch.max.bytes", String.valueOf(TopicCatalog.MAX_IMAGE_RECORD_BYTES + 64 * 1024));
        }
        return p;
    }

    /** The cluster id in this node's {@code meta.properties}, if the directory was formatted before. */
    Optional<String> existingClusterId() {
        Path meta = dir.resolve("meta.properties");
        if (!Files.exists(meta)) {
            return Optional.empty();
        }
        Properties p = new Properties();
        try (var in = Files.newInputStream(meta)) {
            p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read '" + meta + "'", e);
        }
        String clusterId = p.getProperty("cluster.id");
        if (clusterId == null) {
            throw new IllegalStateException("'" + meta + "' has no cluster.id; not a Kafka data directory?");
        }
        return Optional.of(clusterId);
    }

    /** Formats the data directory for the cluster unless it holds a node already (then its records are kept). */
    void formatIfNeeded(String clusterId) {
        if (Files.exists(dir.resolve("meta.properties"))) {
            return;
        }
        try {
            new Formatter()
                    .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
                    .setNodeId(id)
                    .setClusterId(clusterId)
                    .setDirectories(Set.of(dir.toString()))
                    .setMetadataLogDirectory(dir.toString())
                    .setReleaseVersion(MetadataVersion.LATEST_PRODUCTION)
                    .setControllerListenerName(CONTROLLER_LISTENER)
                    .setIgnoreFormatted(false)
                    .run();
        } catch (Exception e) {
            throw new IllegalStateException("cannot format Kafka data directory '" + dir + "': " + e.getMessage(), e);
        }
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

    /** The preferred loopback port when free (and not excluded), else a free one. */
    static int choosePort(int preferred, int... exclude) {
        if (preferred > 0 && isFree(preferred)) {
            return preferred;
        }
        for (int attempt = 0; attempt < 20; attempt++) {
            try (ServerSocket socket = new ServerSocket()) {
                socket.setReuseAddress(false);
                socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
                int candidate = socket.getLocalPort();
                boolean excluded = false;
                for (int e : exclude) {
                    excluded |= e == candidate;
                }
                if (!excluded) {
                    return candidate;
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot find a free loopback port", e);
            }
        }
        throw new IllegalStateException("cannot find a free loopback port");
    }

    static boolean isFree(int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public String toString() {
        return id + "@127.0.0.1:" + port;
    }
}
