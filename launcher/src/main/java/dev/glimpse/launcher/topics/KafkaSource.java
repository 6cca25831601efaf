package dev.glimpse.launcher.topics;

import com.google.protobuf.Message;
import dev.glimpse.contracts.Topic;
import dev.glimpse.contracts.TopicCatalog;
import dev.glimpse.launcher.KafkaLogs;
import dev.glimpse.launcher.demo.ShutdownSignal;
import dev.glimpse.platform.config.Config;
import dev.glimpse.platform.config.ConfigSources;
import dev.glimpse.platform.config.KafkaKeys;
import dev.glimpse.platform.kafka.DataDirInUseException;
import dev.glimpse.platform.kafka.EmbeddedKafkaBroker;
import dev.glimpse.platform.kafka.KafkaClients;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.kafka.common.errors.TimeoutException;
import picocli.CommandLine.Option;

/**
 * Where the topics are read from, shared by {@code tail} and {@code deadletters}: a running cluster
 * ({@code --bootstrap-servers}, default the demo's {@code 127.0.0.1:9092}) or a demo's data directory
 * ({@code --data-dir D}): the embedded broker started on {@code D/kafka} when nothing runs there, else the cluster of
 * the process that holds it (a running demo).
 */
public final class KafkaSource {

    /**
     * An open source: its clients (the bootstrap servers and the {@code kafka.*} security settings), and the broker
     * started for them if any (closed with this).
     */
    public record Connection(KafkaClients clients, EmbeddedKafkaBroker broker) implements AutoCloseable {
        public String bootstrapServers() {
            return clients.bootstrapServers();
        }

        @Override
        public void close() {
            if (broker != null) {
                broker.close();
            }
        }
    }

    @Option(names = "--bootstrap-servers", paramLabel = "H:P", description = "Kafka to read from (default: 127.0.0.1:9092, the demo's)")
    String bootstrapServers;

    @Option(names = "--data-dir", paramLabel = "D", description = "a demo's data: its running cluster, or the embedded broker started on D/kafka when none runs")
    Path dataDir;

    @Option(names = "--topic-prefix", defaultValue = "", description = "prefix of the topic names (topics.prefix; default none)")
    String topicPrefix;

    @Option(names = "-c", paramLabel = "KEY=VALUE",
            description = "a Kafka security setting (kafka.security.protocol, kafka.sasl.*, kafka.ssl.*; also GLIMPSE_KAFKA_...)")
    Map<String, String> settings = new LinkedHashMap<>();

    public TopicCatalog catalog() {
        return TopicCatalog.withPrefix(topicPrefix);
    }

    public Connection open() {
        KafkaLogs.errorsOnly(); // the reader prints what it read; Kafka's client and broker INFO lines are noise here
        if (bootstrapServers != null && dataDir != null) {
            throw new IllegalArgumentException("give --bootstrap-servers or --data-dir, not both");
        }
        if (dataDir == null) {
            Config security = new ConfigSources(KafkaKeys.definition()).environment(System.getenv()).overrides(settings).parse();
            return new Connection(new KafkaClients(bootstrapServers != null ? bootstrapServers : "127.0.0.1:9092",
                    KafkaKeys.clientProperties(security)), null);
        }
        Path kafka = dataDir.resolve("kafka");
        if (!Files.isDirectory(kafka)) {
            throw new IllegalArgumentException("--data-dir " + dataDir + ": no Kafka data under " + kafka);
        }
        try {
            EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().dataDir(kafka).preferredPort(0).start();
            return new Connection(new KafkaClients(broker.bootstrapServers()), broker);
        } catch (DataDirInUseException e) {
            // a demo runs on it: read from its cluster rather than open its files a second time
            String running = e.bootstrapServers().orElseThrow(() -> new IllegalArgumentException("--data-dir " + dataDir
                    + ": " + e.getMessage() + "; use --bootstrap-servers"));
            System.err.println("--data-dir " + dataDir + ": a running Glimpse process holds it; reading from its cluster at "
                    + running);
            return new Connection(new KafkaClients(running), null);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("--data-dir " + dataDir + ": cannot start the broker on " + kafka
                    + " (is a demo still running on it? then use --bootstrap-servers): " + e.getMessage());
        }
    }

    /**
     * Reads {@code topic} through a connection opened for this call: from the first record or only new ones, up to
     * the end or (with {@code follow}) until Ctrl-C. An unreachable Kafka is a usage error (one line).
     *
     * @return the number of records delivered to {@code sink}
     */
    public long read(Topic<String, ? extends Message> topic, boolean fromBeginning, boolean follow, Consumer<TopicReader.Decoded> sink) {
        try (Connection kafka = open(); ShutdownSignal shutdown = new ShutdownSignal()) {
            return new TopicReader(kafka.clients(), topic).read(fromBeginning, follow, () -> !shutdown.requested(), sink);
        } catch (TimeoutException e) {
            throw new IllegalArgumentException("cannot reach Kafka (" + e.getMessage() + ")");
        }
    }
}
