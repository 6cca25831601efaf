package dev.glimpse.platform.kafka;

import dev.glimpse.contracts.Topic;
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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.MetadataVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Apache Kafka broker (KRaft, combined broker+controller, one node) running inside this JVM, on loopback,
 * with its data in a directory of the caller's choice. The first start formats the directory (new cluster id,
 * written to {@code meta.properties}); later starts reuse it, so records survive a restart.
 * Internal topics (offsets, transactions) use replication factor 1 so transactions work on one node.
 */
public final class EmbeddedKafkaBroker implements AutoCloseable {

    public static final int DEFAULT_PORT = 9092;
    public static final Path DEFAULT_DATA_DIR = Path.of("data", "kafka");

    private static final Logger log = LoggerFactory.getLogger(EmbeddedKafkaBroker.class);
    private static final int NODE_ID = 1;
    private static final String BROKER_LISTENER = "PLAINTEXT";
    private static final String CONTROLLER_LISTENER = "CONTROLLER";

    static {
        // Kafka logs hundreds of INFO lines while starting, and some expected WARNs of a one-node cluster
        // (empty metadata log, closing channels); keep clients at WARN and the server at ERROR unless the user chose.
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

    private final Path dataDir;
    private final int port;
    private final int controllerPort;
    private final String clusterId;
    private final KafkaRaftServer server;
    /** Ports of the {@link Builder#extraListener extra listeners}, by listener name. */
    private final Map<String, Integer> extraPorts = new LinkedHashMap<>();
    private volatile boolean closed;

    private EmbeddedKafkaBroker(Path dataDir, int port, int controllerPort, String clusterId, KafkaRaftServer server) {
        this.dataDir = dataDir;
        this.port = port;
        this.controllerPort = controllerPort;
        this.clusterId = clusterId;
        this.server = server;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** {@code 127.0.0.1:port}, for {@code bootstrap.servers}. */
    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    /** {@code 127.0.0.1:port} of an {@link Builder#extraListener extra listener} (e.g. a SASL one). */
    public String bootstrapServers(String listenerName) {
        Integer p = extraPorts.get(listenerName);
        if (p == null) {
            throw new IllegalArgumentException("no extra listener '" + listenerName + "'; known: " + extraPorts.keySet());
        }
        return "127.0.0.1:" + p;
    }

    public int controllerPort() {
        return controllerPort;
    }

    public Path dataDir() {
        return dataDir;
    }

    public String clusterId() {
        return clusterId;
    }

    /** Creates every topic of the catalog that does not exist yet (replication factor 1). */
    public void createTopics(TopicCatalog catalog) {
        createTopics(catalog.all());
    }

    public void createTopics(List<? extends Topic<?, ?>> topics) {
        try (Admin admin = admin()) {
            TopicCreator.createMissing(admin, topics, (short) 1);
        }
    }

    public Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
                AdminClientConfig.CLIENT_ID_CONFIG, "glimpse-embedded-admin"));
    }

    /** Stops the broker and waits until its threads are gone and the data directory is released. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        long start = System.nanoTime();
        server.shutdown();
        server.awaitShutdown();
        log.info("embedded Kafka broker on {} stopped in {} ms", bootstrapServers(), (System.nanoTime() - start) / 1_000_000);
    }

    @Override
    public String toString() {
        return "EmbeddedKafkaBroker[" + bootstrapServers() + ", data=" + dataDir + ", cluster=" + clusterId + "]";
    }

    /** Options of the embedded broker; every one has a default. */
    public static final class Builder {
        private Path dataDir = DEFAULT_DATA_DIR;
        private int preferredPort = DEFAULT_PORT;
        private final List<Topic<?, ?>> topics = new ArrayList<>();
        private final Map<String, String> overrides = new LinkedHashMap<>();
        private final Map<String, String> extraListeners = new LinkedHashMap<>();

        public Builder dataDir(Path dataDir) {
            this.dataDir = Objects.requireNonNull(dataDir, "dataDir");
            return this;
        }

        /** The client port to use when free; a free port is chosen otherwise. 0 = always choose. */
        public Builder preferredPort(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("preferred port must be in 0..65535, got " + port);
            }
            this.preferredPort = port;
            return this;
        }

        /** Topics created (if missing) once the broker is up. */
        public Builder topics(TopicCatalog catalog) {
            this.topics.addAll(catalog.all());
            return this;
        }

        /** A broker property, e.g. {@code log.retention.hours}; applied last. */
        public Builder brokerProperty(String key, String value) {
            overrides.put(key, value);
            return this;
        }

        /**
         * One more client listener on a free loopback port, besides the PLAINTEXT one the broker always has (and
         * uses between its own parts): e.g. {@code extraListener("SASL", "SASL_PLAINTEXT")} plus the listener's
         * {@code listener.name.sasl.*} settings as {@link #brokerProperty}s. Clients reach it at
         * {@link EmbeddedKafkaBroker#bootstrapServers(String)}.
         */
        public Builder extraListener(String name, String securityProtocol) {
            extraListeners.put(name, securityProtocol);
            return this;
        }

        public EmbeddedKafkaBroker start() {
            long startNanos = System.nanoTime();
            Path dir = dataDir.toAbsolutePath().normalize();
            try {
                Files.createDirectories(dir);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create Kafka data directory '" + dir + "'", e);
            }
            int port = choosePort(preferredPort);
            int controllerPort = choosePort(0, port);
            Map<String, String> props = brokerProperties(dir, port, controllerPort);
            Map<String, Integer> extraPorts = new LinkedHashMap<>();
            for (Map.Entry<String, String> l : extraListeners.entrySet()) {
                int extra = choosePort(0, port, controllerPort);
                extraPorts.put(l.getKey(), extra);
                String listener = "," + l.getKey() + "://127.0.0.1:" + extra;
                props.merge("listeners", listener, String::concat);
                props.merge("advertised.listeners", listener, String::concat);
                props.merge("listener.security.protocol.map", "," + l.getKey() + ":" + l.getValue(), String::concat);
            }
            props.putAll(overrides);
            KafkaConfig config = new KafkaConfig(props, false);

            String clusterId = formatIfNeeded(dir, config);
            KafkaRaftServer server = new KafkaRaftServer(config, Time.SYSTEM);
            try {
                server.startup();
            } catch (RuntimeException e) {
                server.shutdown();
                throw new IllegalStateException("embedded Kafka broker failed to start on data directory '" + dir
                        + "' (is another broker using it?): " + e.getMessage(), e);
            }
            EmbeddedKafkaBroker broker = new EmbeddedKafkaBroker(dir, port, controllerPort, clusterId, server);
            broker.extraPorts.putAll(extraPorts);
            try {
                if (!topics.isEmpty()) {
                    broker.createTopics(topics);
                }
            } catch (RuntimeException e) {
                broker.close();
                throw e;
            }
            log.info("embedded Kafka broker {} started in {} ms", broker, (System.nanoTime() - startNanos) / 1_000_000);
            return broker;
        }

        private static Map<String, String> brokerProperties(Path dir, int port, int controllerPort) {
            Map<String, String> p = new HashMap<>();
            p.put("process.roles", "broker,controller");
            p.put("node.id", String.valueOf(NODE_ID));
            // Static quorum of one voter: the voter set is not stored in the log, so the controller port may
            // differ from one start to the next.
            p.put("controller.quorum.voters", NODE_ID + "@127.0.0.1:" + controllerPort);
            p.put("controller.listener.names", CONTROLLER_LISTENER);
            p.put("listeners", BROKER_LISTENER + "://127.0.0.1:" + port + "," + CONTROLLER_LISTENER + "://127.0.0.1:" + controllerPort);
            p.put("advertised.listeners", BROKER_LISTENER + "://127.0.0.1:" + port);
            p.put("listener.security.protocol.map", BROKER_LISTENER + ":PLAINTEXT," + CONTROLLER_LISTENER + ":PLAINTEXT");
            p.put("inter.broker.listener.name", BROKER_LISTENER);
            p.put("log.dirs", dir.toString());
            // One node: every internal topic has one replica, or transactions and groups never become available.
            p.put("offsets.topic.replication.factor", "1");
            p.put("offsets.topic.num.partitions", "4");
            p.put("transaction.state.log.replication.factor", "1");
            p.put("transaction.state.log.min.isr", "1");
            p.put("transaction.state.log.num.partitions", "4");
            p.put("share.coordinator.state.topic.replication.factor", "1");
            p.put("share.coordinator.state.topic.min.isr", "1");
            p.put("default.replication.factor", "1");
            p.put("min.insync.replicas", "1");
            p.put("group.initial.rebalance.delay.ms", "0");
            // Small thread pools and cleaner buffer: this broker shares a laptop with the services.
            p.put("num.network.threads", "2");
            p.put("num.io.threads", "4");
            p.put("background.threads", "4");
            p.put("num.recovery.threads.per.data.dir", "1");
            p.put("log.cleaner.threads", "1");
            p.put("log.cleaner.dedupe.buffer.size", String.valueOf(4 * 1024 * 1024));
            p.put("log.cleaner.backoff.ms", "1000");
            p.put("controlled.shutdown.enable", "true");
            return p;
        }

        private static String formatIfNeeded(Path dir, KafkaConfig config) {
            Path metaProperties = dir.resolve("meta.properties");
            if (Files.exists(metaProperties)) {
                Properties meta = new Properties();
                try (var in = Files.newInputStream(metaProperties)) {
                    meta.load(in);
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot read '" + metaProperties + "'", e);
                }
                String clusterId = meta.getProperty("cluster.id");
                if (clusterId == null) {
                    throw new IllegalStateException("'" + metaProperties + "' has no cluster.id; not a Kafka data directory?");
                }
                return clusterId;
            }
            String clusterId = Uuid.randomUuid().toString();
            try {
                new Formatter()
                        .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
                        .setNodeId(NODE_ID)
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
            log.info("formatted Kafka data directory {} with cluster id {}", dir, clusterId);
            Objects.requireNonNull(config);
            return clusterId;
        }

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
    }
}
