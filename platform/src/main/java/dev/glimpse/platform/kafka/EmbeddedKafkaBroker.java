package dev.glimpse.platform.kafka;

import dev.glimpse.contracts.Topic;
import dev.glimpse.contracts.TopicCatalog;
import java.nio.file.Path;
import java.util.List;
import org.apache.kafka.clients.admin.Admin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Apache Kafka broker (KRaft, combined broker+controller, one node) running inside this JVM, on loopback,
 * with its data in a directory of the caller's choice: an {@link EmbeddedKafkaCluster} of one node, whose
 * internal topics (offsets, transactions) have replication factor 1 so transactions work. The first start formats
 * the directory (new cluster id, written to {@code meta.properties}); later starts reuse it, so records survive a
 * restart.
 */
public final class EmbeddedKafkaBroker implements AutoCloseable {

    public static final int DEFAULT_PORT = 9092;
    public static final Path DEFAULT_DATA_DIR = Path.of("data", "kafka");

    private static final Logger log = LoggerFactory.getLogger(EmbeddedKafkaBroker.class);

    private final EmbeddedKafkaCluster cluster;
    private final EmbeddedKafkaNode node;

    private EmbeddedKafkaBroker(EmbeddedKafkaCluster cluster) {
        if (cluster.size() != 1) {
            throw new IllegalArgumentException("an embedded broker is a cluster of one node, not " + cluster.size());
        }
        this.cluster = cluster;
        this.node = cluster.nodes().get(0);
        log.info("embedded Kafka broker {} started", this);
    }

    /**
     * The options of the cluster (data directory, preferred port, topics, broker properties, extra listeners such as
     * {@code extraListener("SASL", "SASL_PLAINTEXT")}, reached at {@link #bootstrapServers(String)}); {@code start()}
     * starts one node.
     */
    public static EmbeddedKafkaCluster.Builder<EmbeddedKafkaBroker> builder() {
        return new EmbeddedKafkaCluster.Builder<>(EmbeddedKafkaBroker::new).nodes(1);
    }

    /** {@code 127.0.0.1:port}, for {@code bootstrap.servers}. */
    public String bootstrapServers() {
        return cluster.bootstrapServers();
    }

    public int port() {
        return node.port();
    }

    /** {@code 127.0.0.1:port} of an {@link Builder#extraListener extra listener} (e.g. a SASL one). */
    public String bootstrapServers(String listenerName) {
        return cluster.bootstrapServers(listenerName);
    }

    public int controllerPort() {
        return node.controllerPort();
    }

    public Path dataDir() {
        return node.dir();
    }

    public String clusterId() {
        return cluster.clusterId();
    }

    /** Creates every topic of the catalog that does not exist yet (replication factor 1). */
    public void createTopics(TopicCatalog catalog) {
        cluster.createTopics(catalog);
    }

    public void createTopics(List<? extends Topic<?, ?>> topics) {
        cluster.createTopics(topics);
    }

    public Admin admin() {
        return cluster.admin();
    }

    /** Stops the broker and waits until its threads are gone and the data directory is released. */
    @Override
    public void close() {
        cluster.close();
    }

    @Override
    public String toString() {
        return "EmbeddedKafkaBroker[" + bootstrapServers() + ", data=" + dataDir() + ", cluster=" + clusterId() + "]";
    }
}
