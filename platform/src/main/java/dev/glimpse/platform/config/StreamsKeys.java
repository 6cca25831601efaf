package dev.glimpse.platform.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.streams.StreamsConfig;

/**
 * The Kafka Streams keys shared by the Streams services (training-service, monitoring): defined once here, each
 * service choosing its own defaults, and turned into {@link StreamsConfig} properties by {@link #properties}.
 */
public final class StreamsKeys {

    public static final String STATE_DIR = "streams.state.dir";
    public static final String COMMIT_INTERVAL = "streams.commit.interval";
    public static final String NUM_THREADS = "streams.num.threads";
    public static final String PROCESSING_GUARANTEE = "streams.processing.guarantee";
    public static final String MAX_TASK_IDLE = "streams.max.task.idle";
    public static final String INSTANCE_ID = "streams.instance.id";
    public static final String SESSION_TIMEOUT = "streams.session.timeout";

    private StreamsKeys() {
    }

    /**
     * The Streams keys with a service's defaults.
     *
     * @param maxTaskIdle how long a task waits for data on all its input partitions before processing (0 = never)
     */
    public static ConfigDefinition definition(Path stateDir, Duration commitInterval, Duration maxTaskIdle) {
        return new ConfigDefinition("streams")
                .define(STATE_DIR, ConfigType.PATH, stateDir, "Kafka Streams state directory")
                .define(COMMIT_INTERVAL, ConfigType.DURATION, commitInterval, Validator.between(1, 3_600_000),
                        "How often Kafka Streams commits its progress (and flushes its stores)")
                .define(NUM_THREADS, ConfigType.INT, 1, Validator.between(1, 64), "Kafka Streams stream threads")
                .define(PROCESSING_GUARANTEE, ConfigType.STRING, StreamsConfig.AT_LEAST_ONCE,
                        Validator.oneOf(StreamsConfig.AT_LEAST_ONCE, StreamsConfig.EXACTLY_ONCE_V2),
                        "Kafka Streams processing guarantee")
                .define(MAX_TASK_IDLE, ConfigType.DURATION, maxTaskIdle, Validator.between(0, 3_600_000),
                        "How long a task waits for data on every input partition before processing in time order")
                .define(INSTANCE_ID, ConfigType.STRING, null,
                        "Stable id of this instance (static group membership): a restart with the same id takes its tasks "
                                + "back at once, where a new member waits until the previous one's session has expired")
                .define(SESSION_TIMEOUT, ConfigType.DURATION, "45s", Validator.between(6_000, 1_800_000),
                        "How long the group waits for a silent member before moving its tasks to the others");
    }

    /**
     * The Streams properties of a service: its application id, the bootstrap servers, the security settings of
     * {@link KafkaKeys} and the keys above; consumers
     * read only committed records (the inputs are written transactionally) and a new application starts at the
     * earliest offset.
     */
    public static Properties properties(Config config, String applicationId) {
        Properties props = new Properties();
        props.putAll(KafkaKeys.clientProperties(config)); // security settings reach every client of the application
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, config.getString(PlatformConfig.BOOTSTRAP_SERVERS));
        props.put(StreamsConfig.STATE_DIR_CONFIG, config.getPath(STATE_DIR).toAbsolutePath().toString());
        props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, config.getDuration(COMMIT_INTERVAL).toMillis());
        props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, config.getInt(NUM_THREADS));
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, config.getString(PROCESSING_GUARANTEE));
        props.put(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, config.getDuration(MAX_TASK_IDLE).toMillis());
        props.put(StreamsConfig.consumerPrefix(ConsumerConfig.ISOLATION_LEVEL_CONFIG), "read_committed");
        props.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
        props.put(StreamsConfig.consumerPrefix(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG),
                (int) config.getDuration(SESSION_TIMEOUT).toMillis());
        String instance = config.getString(INSTANCE_ID);
        if (instance != null && !instance.isBlank()) {
            // Streams appends the thread index to it for each stream thread's consumer
            props.put(StreamsConfig.consumerPrefix(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG), instance);
        }
        return props;
    }
}
