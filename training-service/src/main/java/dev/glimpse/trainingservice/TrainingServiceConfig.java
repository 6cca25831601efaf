package dev.glimpse.trainingservice;

import dev.glimpse.datasets.FashionMnist;
import dev.glimpse.platform.config.Config;
import dev.glimpse.platform.config.ConfigDefinition;
import dev.glimpse.platform.config.ConfigException;
import dev.glimpse.platform.config.ConfigType;
import dev.glimpse.platform.config.PlatformConfig;
import dev.glimpse.platform.config.StreamsKeys;
import dev.glimpse.platform.config.Validator;
import dev.glimpse.platform.http.HttpSettings;
import dev.glimpse.training.TrainingConfig;
import dev.glimpse.training.graph.NetworkGraphs;
import dev.glimpse.trainingservice.examples.TrainingExamplesConfig;
import dev.glimpse.trainingservice.lifecycle.PromotionPolicy;
import dev.glimpse.contracts.TopicCatalog;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** The training service's settings, defined once and validated at start (errors name the key and quote the value). */
public final class TrainingServiceConfig {
    public static final String MODEL_NAME = "training.model.name";
    public static final String STORE_DIR = "training.store.dir";
    public static final String BOOTSTRAP_MODEL = "training.bootstrap.model";
    public static final String CLASSES = "training.classes";
    public static final String LABEL_RETENTION = "training.label.retention";
    public static final String JOIN_GRACE = "training.join.grace";
    public static final String HOLDOUT_FRACTION = "training.holdout.fraction";
    public static final String BUFFER_PER_CLASS = "training.buffer.per.class";
    public static final String HOLDOUT_PER_CLASS = "training.buffer.holdout.per.class";
    public static final String EVERY_EXAMPLES = "training.trigger.every.examples";
    public static final String INTERVAL = "training.trigger.interval";
    public static final String MIN_TRAIN = "training.min.train.examples";
    public static final String MARGIN = "training.promotion.margin";
    public static final String MAX_CLASS_DROP = "training.promotion.max.class.drop";
    public static final String MIN_HOLDOUT = "training.promotion.min.holdout";
    public static final String EPOCHS = "training.finetune.epochs";
    public static final String LR = "training.finetune.lr";
    public static final String BATCH = "training.finetune.batch";
    public static final String UNFREEZE_LAST = "training.finetune.unfreeze.last";
    public static final String BACKBONE_LR_SCALE = "training.finetune.backbone.lr.scale";
    public static final String SHADOW_FRACTION = "training.shadow.fraction";
    public static final String SHADOW_MIN_LABELED = "training.shadow.min.labeled";
    public static final String ROLLBACK_THRESHOLD = "training.rollback.threshold";
    public static final String ROLLBACK_MIN_LABELED = "training.rollback.min.labeled";
    public static final String HTTP_PORT = "training.http.port";
    public static final String API_TOKEN = "training.api.token";
    public static final String API_READ_TOKEN = "training.api.read.token";
    public static final String APPLICATION_ID = "training.application.id";
    /** The application id after the topic prefix, so that two deployments on one cluster share no state. */
    public static final String DEFAULT_APPLICATION_ID = "glimpse-training";
    /** The shared Streams key (formerly {@code training.state.dir}). */
    public static final String STATE_DIR = StreamsKeys.STATE_DIR;
    /** Default metrics port of {@code ./glimpse training}. */
    public static final int METRICS_PORT = 9404;

    public static final ConfigDefinition DEFINITION = new ConfigDefinition("training-service")
            .include(PlatformConfig.common(METRICS_PORT))
            .define(MODEL_NAME, ConfigType.STRING, "fashion", Validator.nonEmpty(), "Name of the model this service retrains")
            .define(STORE_DIR, ConfigType.PATH, Path.of("data/models"), "Model store root: <root>/<name>/<version>/model.onnx + model.json")
            .define(BOOTSTRAP_MODEL, ConfigType.STRING, "", "ONNX file stored and promoted as the first version when the store has none")
            .define(CLASSES, ConfigType.LIST, String.join(",", FashionMnist.CLASS_NAMES), "Class names in output order (labels must be < their count)")
            .define(LABEL_RETENTION, ConfigType.DURATION, Duration.ofHours(24), "How long an image waits for its label (join window)")
            .define(JOIN_GRACE, ConfigType.DURATION, Duration.ofMinutes(5), "Lateness accepted after the join window before a label is dead-lettered as unknown-image")
            .define(HOLDOUT_FRACTION, ConfigType.DOUBLE, 0.2, Validator.between(0, 0.9), "Share of images (by id hash) kept out of training for validation")
            .define(BUFFER_PER_CLASS, ConfigType.INT, 500, Validator.between(1, 1_000_000), "Latest training examples kept per class")
            .define(HOLDOUT_PER_CLASS, ConfigType.INT, 100, Validator.between(1, 1_000_000), "Latest holdout examples kept per class")
            .define(EVERY_EXAMPLES, ConfigType.LONG, 1000L, Validator.atLeast(0), "Retrain after this many new labeled examples (0 = off)")
            .define(INTERVAL, ConfigType.DURATION, Duration.ZERO, "Retrain on this schedule when there is new data (0 = off)")
            .define(MIN_TRAIN, ConfigType.INT, 200, Validator.atLeast(1), "Fewest buffered training examples for a run")
            .define(MARGIN, ConfigType.DOUBLE, 0.01, Validator.between(-1, 1), "Holdout accuracy gain a candidate needs over the serving model")
            .define(MAX_CLASS_DROP, ConfigType.DOUBLE, 0.05, Validator.between(0, 1), "Largest per-class holdout accuracy drop accepted")
            .define(MIN_HOLDOUT, ConfigType.INT, 50, Validator.atLeast(1), "Fewest holdout examples to judge a candidate")
            .define(EPOCHS, ConfigType.INT, 3, Validator.between(1, 1000), "Fine-tuning epochs per run")
            .define(LR, ConfigType.DOUBLE, 1e-3, Validator.between(1e-7, 1), "Fine-tuning learning rate (Adam)")
            .define(BATCH, ConfigType.INT, 64, Validator.between(1, 4096), "Fine-tuning batch size")
            .define(UNFREEZE_LAST, ConfigType.INT, 1, Validator.between(1, 100), "Layers trained: 1 = head only, n = last n conv/linear layers")
            .define(BACKBONE_LR_SCALE, ConfigType.DOUBLE, 0.1, Validator.between(1e-6, 1), "Learning-rate factor of unfrozen layers below the head")
            .define(SHADOW_FRACTION, ConfigType.DOUBLE, 0.0, Validator.between(0, 1), "Traffic share of a shadow candidate (0 = promote candidates directly)")
            .define(SHADOW_MIN_LABELED, ConfigType.LONG, 200L, Validator.atLeast(1), "Labeled shadow events before a shadow verdict")
            .define(ROLLBACK_THRESHOLD, ConfigType.DOUBLE, 0.05, Validator.between(0, 1), "Live accuracy drop versus the previous version that triggers a rollback")
            .define(ROLLBACK_MIN_LABELED, ConfigType.LONG, 200L, Validator.atLeast(1), "Labeled live events before a rollback verdict")
            .define(HTTP_PORT, ConfigType.INT, 9410, Validator.between(-1, 65535), "Operator API port (0 = any free port, -1 = off)")
            .define(API_TOKEN, ConfigType.STRING, "", "Bearer token of the operator API (empty = a random one, logged at start)")
            .define(API_READ_TOKEN, ConfigType.STRING, "", "Bearer token the operator API's read-only calls accept too (GET /v1/models; empty = none)")
            .define(APPLICATION_ID, ConfigType.STRING, null, Validator.nonEmpty(), "Kafka Streams application id (prefix of state stores and internal topics; default: <topics.prefix>" + DEFAULT_APPLICATION_ID + ")")
            // commits every 200 ms: a label's example reaches the buffer (and the retrain trigger) promptly
            .include(StreamsKeys.definition(Path.of("data/training-streams"), Duration.ofMillis(200), Duration.ZERO));

    private final Config config;

    public TrainingServiceConfig(Config config) {
        this.config = config;
        List<String> classes = classes();
        if (classes.size() < 2) {
            throw new ConfigException(CLASSES, String.join(",", classes), "needs at least 2 class names");
        }
    }

    public static TrainingServiceConfig parse(Map<String, ?> raw) {
        return new TrainingServiceConfig(DEFINITION.parse(raw));
    }

    public Config raw() {
        return config;
    }

    public String bootstrapServers() {
        return config.getString(PlatformConfig.BOOTSTRAP_SERVERS);
    }

    public TopicCatalog catalog() {
        return PlatformConfig.catalog(config);
    }

    public String modelName() {
        return config.getString(MODEL_NAME);
    }

    public Path storeDir() {
        return config.getPath(STORE_DIR);
    }

    public String bootstrapModel() {
        return config.getString(BOOTSTRAP_MODEL);
    }

    public List<String> classes() {
        return config.getList(CLASSES);
    }

    public TrainingExamplesConfig examples() {
        TopicCatalog c = catalog();
        return new TrainingExamplesConfig(c.images().name(), c.labels().name(), c.trainingExamples().name(),
                c.deadletter().name(), config.getDuration(LABEL_RETENTION), config.getDuration(JOIN_GRACE),
                classes().size(), config.getDouble(HOLDOUT_FRACTION));
    }

    public int bufferPerClass() {
        return config.getInt(BUFFER_PER_CLASS);
    }

    public int holdoutPerClass() {
        return config.getInt(HOLDOUT_PER_CLASS);
    }

    public long everyExamples() {
        return config.getLong(EVERY_EXAMPLES);
    }

    public Duration interval() {
        return config.getDuration(INTERVAL);
    }

    public int minTrainExamples() {
        return config.getInt(MIN_TRAIN);
    }

    public PromotionPolicy promotionPolicy() {
        return new PromotionPolicy(config.getDouble(MARGIN), config.getDouble(MAX_CLASS_DROP), config.getInt(MIN_HOLDOUT));
    }

    public TrainingConfig fineTuning() {
        return new TrainingConfig(config.getInt(EPOCHS), config.getInt(BATCH), config.getDouble(LR), "adam", 0.9, 0,
                "cosine", 0, 0, 1, 0, false, NetworkGraphs.BatchNormMode.FROZEN, 0, false);
    }

    public int unfreezeLast() {
        return config.getInt(UNFREEZE_LAST);
    }

    public double backboneLrScale() {
        return config.getDouble(BACKBONE_LR_SCALE);
    }

    public ModelLifecycle.Settings lifecycle() {
        return new ModelLifecycle.Settings(config.getDouble(ROLLBACK_THRESHOLD), config.getLong(ROLLBACK_MIN_LABELED),
                config.getLong(SHADOW_MIN_LABELED), config.getDouble(SHADOW_FRACTION));
    }

    public int httpPort() {
        return config.getInt(HTTP_PORT);
    }

    /** Bind address, limits and TLS of the HTTP listeners ({@code http.*}). */
    public HttpSettings httpSettings() {
        return HttpSettings.from(config);
    }

    public String apiToken() {
        return config.getString(API_TOKEN);
    }

    public String apiReadToken() {
        return config.getString(API_READ_TOKEN);
    }

    public String applicationId() {
        String id = config.getString(APPLICATION_ID);
        return id != null ? id : catalog().prefix() + DEFAULT_APPLICATION_ID;
    }

    public Path stateDir() {
        return config.getPath(STATE_DIR);
    }
}
