package dev.glimpse.inference;

import dev.glimpse.platform.config.Config;
import dev.glimpse.platform.config.ConfigDefinition;
import dev.glimpse.platform.config.ConfigException;
import dev.glimpse.platform.config.ConfigType;
import dev.glimpse.platform.config.ImageKeys;
import dev.glimpse.platform.config.KafkaKeys;
import dev.glimpse.platform.config.PlatformConfig;
import dev.glimpse.registry.objectstore.ObjectStoreConfig;
import dev.glimpse.registry.objectstore.StoreSettings;
import dev.glimpse.platform.config.Validator;
import dev.glimpse.runtime.ExecutionDevice;
import dev.glimpse.runtime.ImageLimits;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * Settings of one inference worker, validated once by {@link Builder#build()}; an error names the key and quotes
 * the bad value. Keys are the spellings used in {@code --help} and in properties files.
 *
 * @param bootstrapServers   {@value #BOOTSTRAP_SERVERS}: Kafka cluster
 * @param groupId            {@value #GROUP_ID}: consumer group; scale out by starting more workers in it
 * @param workerId           {@value #WORKER_ID}: stable id of this instance; its transactional id derives from it,
 *                           so a restarted worker with the same id fences its crashed predecessor at once
 * @param model              {@value #MODEL}: the ONNX classifier
 * @param device             {@value #DEVICE}: cpu, cuda[:N] (strict) or auto
 * @param maxBatchSize       {@value #MAX_BATCH_SIZE}: flush a batch at this many images
 * @param maxWait            {@value #MAX_WAIT_MS}: or when the oldest image has waited this long
 * @param queueCapacity      {@value #QUEUE_CAPACITY}: images waiting for a batch before partitions are paused
 * @param topK               {@value #TOP_K}: classes reported per prediction
 * @param intraOpThreads     {@value #INTRA_OP_THREADS}: ONNX Runtime threads per operator (0 = one per core)
 * @param transactionTimeout {@value #TRANSACTION_TIMEOUT_MS}: how long a crashed worker's open transaction can
 *                           hold back its partitions before the broker aborts it
 * @param commitInterval     {@value #COMMIT_INTERVAL_MS}: longest a transaction stays open collecting batches under a
 *                           backlog (it commits at once when nothing more waits)
 * @param kafkaOverrides     extra Kafka client properties (security, tuning), applied to consumer and producer
 * @param followModels       {@value #FOLLOW_MODELS}: hot-swap to the versions PROMOTED on the {@code models} topic
 *                           (and run SHADOW versions on their share of traffic)
 * @param modelName          {@value #MODEL_NAME}: the model name followed on {@code models} (null = the served
 *                           model's metadata name)
 * @param decodeThreads      {@value #DECODE_THREADS}: threads parsing and preprocessing images while ONNX Runtime runs
 *                           (0 = on the poll thread)
 * @param maxPollRecords     {@value #MAX_POLL_RECORDS}: records fetched per poll, decoded ahead of their batch
 * @param imageLimits        {@code images.max.bytes} and {@code images.max.pixels}: larger images are dead-lettered
 *                           from their header, never decoded
 * @param connectTimeout     {@code kafka.connect.timeout}: how long {@code start()} waits for the cluster, once the
 *                           model is loaded, before it fails with one sentence
 * @param store              the object store announced models are read from ({@code store.*} keys)
 */
public record InferenceConfig(String bootstrapServers, String groupId, String workerId, Path model,
                              ExecutionDevice device, int maxBatchSize, Duration maxWait, int queueCapacity,
                              int topK, int intraOpThreads, Duration transactionTimeout, Duration commitInterval,
                              Map<String, Object> kafkaOverrides, boolean followModels, String modelName,
                              int decodeThreads, int maxPollRecords, ImageLimits imageLimits,
                              Duration connectTimeout, StoreSettings store) {

    public static final String BOOTSTRAP_SERVERS = PlatformConfig.BOOTSTRAP_SERVERS;
    public static final String GROUP_ID = "inference.group.id";
    public static final String WORKER_ID = "inference.worker.id";
    public static final String MODEL = "inference.model";
    public static final String DEVICE = "inference.device";
    public static final String MAX_BATCH_SIZE = "inference.max.batch.size";
    public static final String MAX_WAIT_MS = "inference.max.wait.ms";
    public static final String QUEUE_CAPACITY = "inference.queue.capacity";
    public static final String TOP_K = "inference.top.k";
    public static final String INTRA_OP_THREADS = "inference.intra.op.threads";
    public static final String TRANSACTION_TIMEOUT_MS = "inference.transaction.timeout.ms";
    public static final String COMMIT_INTERVAL_MS = "inference.commit.interval.ms";
    public static final String FOLLOW_MODELS = "inference.models.follow";
    public static final String MODEL_NAME = "inference.model.name";
    public static final String DECODE_THREADS = "inference.decode.threads";
    public static final String MAX_POLL_RECORDS = "inference.max.poll.records";

    public static final String DEFAULT_GROUP_ID = "glimpse-inference";
    public static final int DEFAULT_MAX_BATCH_SIZE = 32;
    public static final Duration DEFAULT_MAX_WAIT = Duration.ofMillis(10);
    public static final int DEFAULT_TOP_K = 5;
    public static final int DEFAULT_DECODE_THREADS = 1;
    public static final int DEFAULT_MAX_POLL_RECORDS = 256;

    /** Default metrics port of {@code ./glimpse inference}. */
    public static final int METRICS_PORT = 9402;

    /** Every key with type, default, valid values and doc; {@code toMarkdown()} renders the reference. */
    public static final ConfigDefinition DEFINITION = new ConfigDefinition("inference-worker")
            .include(PlatformConfig.common(METRICS_PORT))
            .include(ImageKeys.definition())
            .include(ObjectStoreConfig.definition())
            .define(GROUP_ID, ConfigType.STRING, null, Validator.nonEmpty(),
                    "Consumer group on the images topic; more workers in it share the partitions "
                            + "(default: <topics.prefix>" + DEFAULT_GROUP_ID + ")")
            .define(WORKER_ID, ConfigType.STRING, null,
                    "Stable id of this instance, part of its transactional id (default: random)")
            .define(MODEL, ConfigType.PATH, null, "The ONNX classifier to serve")
            .define(DEVICE, ConfigType.STRING, "auto",
                    "cpu, cuda[:N] (fails at start without CUDA) or auto (CUDA when present, else CPU with a warning)")
            .define(MAX_BATCH_SIZE, ConfigType.INT, DEFAULT_MAX_BATCH_SIZE, Validator.between(1, 4096),
                    "Images per ONNX Runtime call at most")
            .define(MAX_WAIT_MS, ConfigType.LONG, DEFAULT_MAX_WAIT.toMillis(), Validator.between(0, 60_000),
                    "A partial batch is flushed when its oldest image has waited this long")
            .define(QUEUE_CAPACITY, ConfigType.INT, 0, Validator.between(0, 65_536),
                    "Images waiting for a batch before the partitions are paused (0 = max batch size)")
            .define(TOP_K, ConfigType.INT, DEFAULT_TOP_K, Validator.between(1, 1000), "Classes reported per prediction")
            .define(INTRA_OP_THREADS, ConfigType.INT, 0, Validator.between(0, 256),
                    "ONNX Runtime threads per operator (0 = one per core)")
            .define(TRANSACTION_TIMEOUT_MS, ConfigType.LONG, 10_000L, Validator.between(1000, 900_000),
                    "How long a crashed worker's open transaction can hold back its partitions")
            .define(COMMIT_INTERVAL_MS, ConfigType.LONG, 100L, Validator.between(0, 10_000),
                    "Longest a transaction stays open collecting batches under a backlog")
            .define(FOLLOW_MODELS, ConfigType.BOOLEAN, true,
                    "Follow the models topic: hot-swap to PROMOTED versions between batches, answer a SHADOW "
                            + "version's share of traffic to the shadow topic (without a models topic the start model serves on)")
            .define(MODEL_NAME, ConfigType.STRING, null,
                    "Model name followed on the models topic (default: the served model's metadata name)")
            .define(DECODE_THREADS, ConfigType.INT, DEFAULT_DECODE_THREADS, Validator.between(0, 64),
                    "Threads parsing and preprocessing images ahead of their batch, in parallel with ONNX Runtime "
                            + "(0 = on the poll thread)")
            .define(MAX_POLL_RECORDS, ConfigType.INT, DEFAULT_MAX_POLL_RECORDS, Validator.between(1, 65_536),
                    "Records fetched per poll and decoded ahead (fewer for large inputs: at most 32 MB of preprocessed "
                            + "floats, at least two batches); the partitions pause until they are all batched");

    public InferenceConfig {
        kafkaOverrides = Map.copyOf(kafkaOverrides);
    }

    /**
     * Parses and validates raw values (keys of {@link #DEFINITION}); unknown keys are refused.
     *
     * @throws IllegalArgumentException naming the key and quoting the value
     */
    public static InferenceConfig parse(Map<String, ?> values) {
        Config c = DEFINITION.parse(values);
        Builder b = builder()
                .bootstrapServers(c.getString(BOOTSTRAP_SERVERS))
                .groupId(c.get(GROUP_ID) != null ? c.getString(GROUP_ID) : defaultGroupId(c.getString(PlatformConfig.TOPIC_PREFIX)))
                .model(c.getPath(MODEL))
                .device(c.getString(DEVICE))
                .maxBatchSize(c.getInt(MAX_BATCH_SIZE))
                .maxWait(Duration.ofMillis(c.getLong(MAX_WAIT_MS)))
                .queueCapacity(c.getInt(QUEUE_CAPACITY))
                .topK(c.getInt(TOP_K))
                .intraOpThreads(c.getInt(INTRA_OP_THREADS))
                .transactionTimeout(Duration.ofMillis(c.getLong(TRANSACTION_TIMEOUT_MS)))
                .commitInterval(Duration.ofMillis(c.getLong(COMMIT_INTERVAL_MS)))
                .followModels(c.getBoolean(FOLLOW_MODELS))
                .decodeThreads(c.getInt(DECODE_THREADS))
                .maxPollRecords(c.getInt(MAX_POLL_RECORDS))
                .imageLimits(new ImageLimits(c.getBytes(ImageKeys.MAX_BYTES), c.getLong(ImageKeys.MAX_PIXELS)))
                .connectTimeout(KafkaKeys.connectTimeout(c))
                .store(ObjectStoreConfig.settings(c));
        KafkaKeys.clientProperties(c).forEach(b::kafkaOverride);
        if (c.get(MODEL_NAME) != null) {
            b.modelName(c.getString(MODEL_NAME));
        }
        if (c.get(WORKER_ID) != null) {
            b.workerId(c.getString(WORKER_ID));
        }
        return b.build();
    }

    /**
     * The consumer group of a deployment whose topics carry {@code topicPrefix}: a second deployment on the same
     * cluster must not join the first one's group (its transactional ids derive from the group too).
     */
    public static String defaultGroupId(String topicPrefix) {
        return topicPrefix + DEFAULT_GROUP_ID;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The transactional id: one per worker id and group, stable across restarts. */
    public String transactionalId() {
        return groupId + "-" + workerId;
    }

    /** Collects settings; {@link #build()} validates them all. */
    public static final class Builder {
        private String bootstrapServers;
        private StoreSettings store = StoreSettings.local();
        private String groupId = DEFAULT_GROUP_ID;
        private String workerId = "inference-" + UUID.randomUUID().toString().substring(0, 8);
        private Path model;
        private ExecutionDevice device = ExecutionDevice.AUTO;
        private int maxBatchSize = DEFAULT_MAX_BATCH_SIZE;
        private Duration maxWait = DEFAULT_MAX_WAIT;
        private int queueCapacity = 0;
        private int topK = DEFAULT_TOP_K;
        private int intraOpThreads = 0;
        private Duration transactionTimeout = Duration.ofSeconds(10);
        private Duration commitInterval = Duration.ofMillis(100);
        private final Map<String, Object> kafkaOverrides = new LinkedHashMap<>();
        private boolean followModels = true;
        private String modelName;
        private int decodeThreads = DEFAULT_DECODE_THREADS;
        private int maxPollRecords = DEFAULT_MAX_POLL_RECORDS;
        private ImageLimits imageLimits = ImageLimits.DEFAULT;
        private Duration connectTimeout = KafkaKeys.DEFAULT_CONNECT_TIMEOUT;

        public Builder connectTimeout(Duration v) {
            connectTimeout = Objects.requireNonNull(v, KafkaKeys.CONNECT_TIMEOUT);
            return this;
        }

        public Builder imageLimits(ImageLimits v) {
            imageLimits = Objects.requireNonNull(v, ImageKeys.MAX_PIXELS);
            return this;
        }

        public Builder store(StoreSettings v) {
            store = v;
            return this;
        }

        /** 0 = decode on the poll thread. */
        public Builder decodeThreads(int v) {
            decodeThreads = v;
            return this;
        }

        public Builder maxPollRecords(int v) {
            maxPollRecords = v;
            return this;
        }

        public Builder followModels(boolean v) {
            followModels = v;
            return this;
        }

        public Builder modelName(String v) {
            modelName = v;
            return this;
        }

        public Builder bootstrapServers(String v) {
            bootstrapServers = v;
            return this;
        }

        public Builder groupId(String v) {
            groupId = v;
            return this;
        }

        public Builder workerId(String v) {
            workerId = v;
            return this;
        }

        public Builder model(Path v) {
            model = v;
            return this;
        }

        public Builder device(ExecutionDevice v) {
            device = Objects.requireNonNull(v, DEVICE);
            return this;
        }

        /** Parses {@code cpu}, {@code cuda[:N]} or {@code auto}. */
        public Builder device(String v) {
            try {
                device = ExecutionDevice.parse(v);
            } catch (IllegalArgumentException e) {
                throw new ConfigException(DEVICE, v, e.getMessage());
            }
            return this;
        }

        public Builder maxBatchSize(int v) {
            maxBatchSize = v;
            return this;
        }

        public Builder maxWait(Duration v) {
            maxWait = v;
            return this;
        }

        /** 0 = same as the max batch size (what bounds the hold time to max wait + one batch time). */
        public Builder queueCapacity(int v) {
            queueCapacity = v;
            return this;
        }

        public Builder topK(int v) {
            topK = v;
            return this;
        }

        public Builder intraOpThreads(int v) {
            intraOpThreads = v;
            return this;
        }

        public Builder transactionTimeout(Duration v) {
            transactionTimeout = v;
            return this;
        }

        public Builder commitInterval(Duration v) {
            commitInterval = v;
            return this;
        }

        public Builder kafkaOverride(String key, Object value) {
            kafkaOverrides.put(key, value);
            return this;
        }

        public InferenceConfig build() {
            require(bootstrapServers != null && !bootstrapServers.isBlank(), BOOTSTRAP_SERVERS, bootstrapServers,
                    "must name at least one host:port");
            require(groupId != null && !groupId.isBlank(), GROUP_ID, groupId, "must not be empty");
            require(workerId != null && workerId.matches("[A-Za-z0-9._-]{1,100}"), WORKER_ID, workerId,
                    "must be 1..100 characters of [A-Za-z0-9._-]");
            require(model != null && Files.isRegularFile(model), MODEL, model, "must be an existing .onnx file");
            require(maxBatchSize >= 1 && maxBatchSize <= 4096, MAX_BATCH_SIZE, maxBatchSize, "must be in 1..4096");
            require(maxWait != null && !maxWait.isNegative() && maxWait.toMillis() <= 60_000, MAX_WAIT_MS,
                    maxWait == null ? null : maxWait.toMillis(), "must be in 0..60000");
            int capacity = queueCapacity == 0 ? maxBatchSize : queueCapacity;
            require(capacity >= 1 && capacity <= 65_536, QUEUE_CAPACITY, queueCapacity, "must be in 0..65536 (0 = max batch size)");
            require(topK >= 1 && topK <= 1000, TOP_K, topK, "must be in 1..1000");
            require(intraOpThreads >= 0 && intraOpThreads <= 256, INTRA_OP_THREADS, intraOpThreads, "must be in 0..256");
            require(transactionTimeout != null && transactionTimeout.toMillis() >= 1000
                    && transactionTimeout.toMillis() <= 900_000, TRANSACTION_TIMEOUT_MS,
                    transactionTimeout == null ? null : transactionTimeout.toMillis(), "must be in 1000..900000");
            require(commitInterval != null && !commitInterval.isNegative() && commitInterval.toMillis() <= 10_000,
                    COMMIT_INTERVAL_MS, commitInterval == null ? null : commitInterval.toMillis(), "must be in 0..10000");
            require(modelName == null || modelName.matches("[A-Za-z0-9._-]{1,100}"), MODEL_NAME, modelName,
                    "must be 1..100 characters of [A-Za-z0-9._-]");
            require(decodeThreads >= 0 && decodeThreads <= 64, DECODE_THREADS, decodeThreads, "must be in 0..64");
            require(maxPollRecords >= 1 && maxPollRecords <= 65_536, MAX_POLL_RECORDS, maxPollRecords,
                    "must be in 1..65536");
            return new InferenceConfig(bootstrapServers, groupId, workerId, model, device, maxBatchSize, maxWait,
                    capacity, topK, intraOpThreads, transactionTimeout, commitInterval, kafkaOverrides, followModels,
                    modelName, decodeThreads, maxPollRecords, imageLimits, connectTimeout, store);
        }

        private static void require(boolean ok, String key, Object value, String rule) {
            if (!ok) {
                throw new ConfigException(key, value, rule);
            }
        }
    }
}
