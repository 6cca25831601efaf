package dev.glimpse.explainworker;

import dev.glimpse.contracts.TopicCatalog;
import dev.glimpse.explain.faithfulness.Road;
import dev.glimpse.explainworker.load.LoadLimits;
import dev.glimpse.explainworker.policy.ExplanationPolicy;
import dev.glimpse.platform.config.Config;
import dev.glimpse.platform.config.ConfigDefinition;
import dev.glimpse.platform.config.ConfigException;
import dev.glimpse.platform.config.ConfigType;
import dev.glimpse.platform.config.ImageKeys;
import dev.glimpse.platform.config.KafkaKeys;
import dev.glimpse.platform.config.PlatformConfig;
import dev.glimpse.platform.config.Validator;
import dev.glimpse.registry.artifacts.ArtifactStore;
import dev.glimpse.runtime.ImageLimits;
import dev.glimpse.registry.objectstore.ObjectStoreConfig;
import dev.glimpse.registry.objectstore.StoreSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Configuration of the explain worker: keys defined once in {@link #DEFINITION}, the record validated once at
 * construction; an error names the key and quotes the bad value.
 *
 * @param bootstrapServers  Kafka bootstrap servers ({@code bootstrap.servers})
 * @param catalog           topic names and serdes
 * @param modelPath         a model file (single-model deployment) or a model store root ({@code explain.model})
 * @param artifactDir       root of the artifact store ({@code explain.artifacts.dir})
 * @param artifactLimits    size and age bounds of the artifact store
 * @param policy            which predictions to explain ({@code explain.policy}, see PolicySpec)
 * @param methods           methods run on every selected prediction ({@code explain.methods})
 * @param layer             ONNX tensor for CAM methods and feature maps; null = the default layer, the same as
 *                          in {@code explain} and the console ({@code Explainer.defaultLayer()}: the last 4-D
 *                          activation whose side is at least min(14, input side / 4))
 * @param maxBatch          most predictions explained per transaction ({@code explain.batch.max})
 * @param maxWait           longest poll wait before a partial batch is processed ({@code explain.batch.wait})
 * @param groupId           consumer group on the predictions topic
 * @param instanceId        stable id of this worker: its transactional id, so a restarted worker fences its
 *                          crashed predecessor and aborts that one's open transaction
 * @param imageCacheEntries images kept for the join with predictions ({@code explain.images.cache.entries})
 * @param imageCacheBytes   bytes of encoded images kept ({@code explain.images.cache.bytes})
 * @param imageLookback     how far back in time the images topic is read at start ({@code explain.images.lookback})
 * @param imageWait         how long a prediction waits for its image before it is dead-lettered
 * @param deviceSpec        ONNX Runtime device: cpu, cuda[:N], auto
 * @param pointingTolerance pointing-game tolerance in pixels of a 224-pixel image, scaled to the image's larger side
 *                          (Zhang et al.'s 15 px; 2.1 px on a 32-pixel image)
 * @param faithfulnessSteps deletion/insertion curve steps
 * @param kafkaProperties   the cluster's security settings ({@code kafka.*}), given to every Kafka client
 * @param imageLimits       {@code images.max.bytes}, {@code images.max.pixels}: larger images are dead-lettered from
 *                          their header, never decoded
 * @param store             the object store artifacts are shared through and announced models read from
 * @param load              load shedding and health thresholds ({@code explain.max.age.ms},
 *                          {@code explain.capacity.utilisation}, {@code explain.health.*})
 * @param explanation       method parameters ({@code explain.params}, as {@code explain --param}: tokens.grid, ...) and
 *                          ROAD ({@code explain.faithfulness.road.*})
 */
public record ExplainWorkerConfig(String bootstrapServers, TopicCatalog catalog, Path modelPath, Path artifactDir,
                                  ArtifactStore.Limits artifactLimits, String policy, List<String> methods,
                                  String layer, int maxBatch, Duration maxWait, String groupId, String instanceId,
                                  int imageCacheEntries, long imageCacheBytes, Duration imageLookback,
                                  Duration imageWait, String deviceSpec, double pointingTolerance,
                                  int faithfulnessSteps, Map<String, Object> kafkaProperties,
                                  ImageLimits imageLimits, StoreSettings store, LoadLimits load,
                                  ExplanationOptions explanation) {

    /** A configuration whose models and artifacts stay on this host ({@code store.uri = file:}). */
    public ExplainWorkerConfig(String bootstrapServers, TopicCatalog catalog, Path modelPath, Path artifactDir,
                               ArtifactStore.Limits artifactLimits, String policy, List<String> methods,
                               String layer, int maxBatch, Duration maxWait, String groupId, String instanceId,
                               int imageCacheEntries, long imageCacheBytes, Duration imageLookback,
                               Duration imageWait, String deviceSpec, double pointingTolerance,
                               int faithfulnessSteps) {
        this(bootstrapServers, catalog, modelPath, artifactDir, artifactLimits, policy, methods, layer, maxBatch, maxWait,
                groupId, instanceId, imageCacheEntries, imageCacheBytes, imageLookback, imageWait, deviceSpec,
                pointingTolerance, faithfulnessSteps, Map.of(), ImageLimits.DEFAULT, StoreSettings.local(), LoadLimits.defaults(),
                ExplanationOptions.none());
    }

    public static final String MODEL = "explain.model";
    public static final String ARTIFACTS_DIR = "explain.artifacts.dir";
    public static final String ARTIFACTS_MAX_BYTES = "explain.artifacts.max.bytes";
    public static final String ARTIFACTS_MAX_AGE = "explain.artifacts.max.age";
    public static final String POLICY = "explain.policy";
    public static final String METHODS = "explain.methods";
    public static final String LAYER = "explain.layer";
    public static final String BATCH_MAX = "explain.batch.max";
    public static final String BATCH_WAIT = "explain.batch.wait";
    public static final String GROUP_ID = "explain.group.id";
    public static final String INSTANCE_ID = "explain.instance.id";
    public static final String IMAGES_CACHE_ENTRIES = "explain.images.cache.entries";
    public static final String IMAGES_CACHE_BYTES = "explain.images.cache.bytes";
    public static final String IMAGES_LOOKBACK = "explain.images.lookback";
    public static final String IMAGES_WAIT = "explain.images.wait";
    public static final String DEVICE = "explain.device";
    public static final String POINTING_TOLERANCE = "explain.pointing.tolerance";
    public static final String FAITHFULNESS_STEPS = "explain.faithfulness.steps";
    public static final String MAX_AGE_MS = "explain.max.age.ms";
    public static final String CAPACITY_UTILISATION = "explain.capacity.utilisation";
    public static final String HEALTH_MAX_LAG = "explain.health.max.lag";
    public static final String HEALTH_MAX_AGE_MS = "explain.health.max.age.ms";

    /** Default metrics port of {@code ./glimpse explain-worker}. */
    public static final int METRICS_PORT = 9403;
    public static final List<String> DEFAULT_METHODS = List.of("gradcam", "guided-gradcam", "featuremaps");

    /** Every key of the explain worker with type, default, valid values and doc. */
    public static final ConfigDefinition DEFINITION = new ConfigDefinition("explain-worker")
            .include(PlatformConfig.common(METRICS_PORT))
            .include(ImageKeys.definition())
            .include(ObjectStoreConfig.definition())
            .defineRequired(MODEL, ConfigType.PATH, Validator.ANY, "Model file, or model store root (<root>/<name>/<version>/model.onnx)")
            .define(ARTIFACTS_DIR, ConfigType.PATH, Path.of("data/artifacts"), "Artifact store directory (PNG/NPY explanations)")
            .define(ARTIFACTS_MAX_BYTES, ConfigType.BYTES, ArtifactStore.Limits.defaults().maxBytes(), Validator.atLeast(1),
                    "Artifact store size bound; the oldest artifacts are deleted beyond it")
            .define(ARTIFACTS_MAX_AGE, ConfigType.DURATION, ArtifactStore.Limits.defaults().maxAge(), Validator.atLeast(1),
                    "Artifact age bound")
            .define(POLICY, ConfigType.STRING, "all", policyValidator(),
                    "Predictions to explain: all, sample:<rate>, low-confidence:<p>, disagreement, on-demand (comma-separated: any of them)")
            .define(METHODS, ConfigType.LIST, String.join(",", DEFAULT_METHODS),
                    Validator.matches("[a-z+-]+", "method names like gradcam, guided-gradcam, featuremaps"),
                    "Methods run on every selected prediction")
            .define(LAYER, ConfigType.STRING, null, Validator.matches("(?s).*\\S.*", "an ONNX tensor name or absent"),
                    "ONNX tensor for CAM methods and feature maps (default: the last 4-D activation whose side is at least min(14, input side / 4))")
            .define(BATCH_MAX, ConfigType.INT, 8, Validator.between(1, 1024), "Most predictions explained per transaction")
            .define(BATCH_WAIT, ConfigType.DURATION, Duration.ofMillis(200), Validator.between(0, 60_000),
                    "Longest poll wait before a partial batch is processed")
            .define(GROUP_ID, ConfigType.STRING, null, Validator.matches("(?s).*\\S.*", "a consumer group id"),
                    "Consumer group on the predictions topic (default: <topics.prefix>explain-worker)")
            .define(INSTANCE_ID, ConfigType.STRING, "explain-worker-0", Validator.matches("[A-Za-z0-9._-]+", "[A-Za-z0-9._-]+"),
                    "Stable id of this instance: its transactional id, so that a restarted worker fences its predecessor")
            .define(IMAGES_CACHE_ENTRIES, ConfigType.INT, 20_000, Validator.atLeast(1), "Images kept for the join with predictions")
            .define(IMAGES_CACHE_BYTES, ConfigType.BYTES, 256L << 20, Validator.atLeast(1024), "Bytes of encoded images kept")
            .define(IMAGES_LOOKBACK, ConfigType.DURATION, Duration.ofMinutes(30), Validator.atLeast(0),
                    "How far back in time the images topic is read at start")
            .define(IMAGES_WAIT, ConfigType.DURATION, Duration.ofSeconds(20), Validator.atLeast(0),
                    "How long a prediction waits for its image before it is dead-lettered")
            .define(DEVICE, ConfigType.STRING, "cpu", Validator.matches("cpu|auto|cuda(:\\d+)?", "cpu, auto or cuda[:N]"),
                    "ONNX Runtime device of the explanation sessions: cpu, auto (CUDA when present, else CPU with a warning) or cuda[:N] (strict)")
            .define(POINTING_TOLERANCE, ConfigType.DOUBLE, 15.0, Validator.atLeast(0),
                    "Pointing-game tolerance in pixels of a 224-pixel image, scaled to the image's larger side")
            .define(FAITHFULNESS_STEPS, ConfigType.INT, 16, Validator.between(1, 1000), "Deletion/insertion curve steps")
            .define(ExplanationOptions.PARAMS, ConfigType.LIST, "", ExplanationOptions.paramsValidator(),
                    "Method parameters as ./glimpse explain --param takes them, key=value comma-separated: tokens.grid=HxW and tokens.layout=nld|nhwc|nchw for vision transformers, smoothgrad.samples=25, ...")
            .define(ExplanationOptions.ROAD_PERCENTILES, ConfigType.LIST, "",
                    Validator.matches("[1-9]\\d?", "percentages 1..99"),
                    "ROAD faithfulness (remove and debias): percentages of pixels removed by noisy linear imputation, most and least relevant first, e.g. 20,40,60,80; empty = no ROAD")
            .define(ExplanationOptions.ROAD_NOISE, ConfigType.DOUBLE, Road.DEFAULT_NOISE, Validator.atLeast(0),
                    "ROAD's imputation noise (standard deviation in the model's input space)")
            .define(MAX_AGE_MS, ConfigType.LONG, LoadLimits.defaults().maxAge().toMillis(), Validator.atLeast(0),
                    "A selected prediction older than this (ms) when the worker reaches it is skipped, and the worker jumps to the newest ones (0 = never skip)")
            .define(CAPACITY_UTILISATION, ConfigType.DOUBLE, LoadLimits.defaults().utilisation(), Validator.range(0, false, 1, true),
                    "Fraction of the measured explanation capacity the selected rate is kept under (the sample rate is lowered; low-confidence and disagreement keep priority)")
            .define(HEALTH_MAX_LAG, ConfigType.LONG, LoadLimits.defaults().healthMaxLag(), Validator.atLeast(0),
                    "Consumer lag (records) above which /health says DEGRADED")
            .define(HEALTH_MAX_AGE_MS, ConfigType.LONG, LoadLimits.defaults().healthMaxAge().toMillis(), Validator.atLeast(0),
                    "Age (ms) of the predictions being reached above which /health says DEGRADED");

    public ExplainWorkerConfig {
        require(bootstrapServers != null && !bootstrapServers.isBlank(), PlatformConfig.BOOTSTRAP_SERVERS, bootstrapServers,
                "a host:port list");
        Objects.requireNonNull(catalog, "catalog");
        require(modelPath != null, MODEL, modelPath, "a model file or model store directory");
        require(artifactDir != null, ARTIFACTS_DIR, artifactDir, "a directory");
        Objects.requireNonNull(artifactLimits, "artifactLimits");
        DEFINITION.ensureValid(POLICY, policy);
        methods = List.copyOf(methods);
        require(!methods.isEmpty(), METHODS, methods, "at least one method");
        DEFINITION.ensureValid(METHODS, methods);
        require(layer == null || !layer.isBlank(), LAYER, layer, "an ONNX tensor name or absent");
        DEFINITION.ensureValid(BATCH_MAX, maxBatch);
        require(maxWait != null && !maxWait.isNegative() && maxWait.toMillis() <= 60_000, BATCH_WAIT, maxWait, "0..60s");
        require(groupId != null && !groupId.isBlank(), GROUP_ID, groupId, "a consumer group id");
        require(instanceId != null && instanceId.matches("[A-Za-z0-9._-]+"), INSTANCE_ID, instanceId, "[A-Za-z0-9._-]+");
        DEFINITION.ensureValid(IMAGES_CACHE_ENTRIES, imageCacheEntries);
        DEFINITION.ensureValid(IMAGES_CACHE_BYTES, imageCacheBytes);
        require(imageLookback != null && !imageLookback.isNegative(), IMAGES_LOOKBACK, imageLookback, ">= 0");
        require(imageWait != null && !imageWait.isNegative(), IMAGES_WAIT, imageWait, ">= 0");
        require(deviceSpec != null, DEVICE, deviceSpec, "cpu, auto or cuda[:N]");
        DEFINITION.ensureValid(DEVICE, deviceSpec);
        DEFINITION.ensureValid(POINTING_TOLERANCE, pointingTolerance);
        DEFINITION.ensureValid(FAITHFULNESS_STEPS, faithfulnessSteps);
        kafkaProperties = Map.copyOf(kafkaProperties);
        Objects.requireNonNull(imageLimits, "imageLimits");
        Objects.requireNonNull(load, "load");
        Objects.requireNonNull(explanation, "explanation");
    }

    /** The transactional id: the instance id after the topic prefix, so that deployments do not fence each other. */
    public String transactionalId() {
        return catalog.prefix() + instanceId;
    }

    /** The typed configuration of a parsed {@link #DEFINITION} (or of a definition that includes it). */
    public static ExplainWorkerConfig from(Config c) {
        return from(c, PlatformConfig.catalog(c));
    }

    private static ExplainWorkerConfig from(Config c, TopicCatalog catalog) {
        String group = c.getString(GROUP_ID);
        return new ExplainWorkerConfig(c.getString(PlatformConfig.BOOTSTRAP_SERVERS), catalog, c.getPath(MODEL),
                c.getPath(ARTIFACTS_DIR), new ArtifactStore.Limits(c.getBytes(ARTIFACTS_MAX_BYTES), c.getDuration(ARTIFACTS_MAX_AGE)),
                c.getString(POLICY), c.getList(METHODS), c.getString(LAYER), c.getInt(BATCH_MAX), c.getDuration(BATCH_WAIT),
                group != null ? group : catalog.prefix() + "explain-worker", c.getString(INSTANCE_ID),
                c.getInt(IMAGES_CACHE_ENTRIES), c.getBytes(IMAGES_CACHE_BYTES), c.getDuration(IMAGES_LOOKBACK),
                c.getDuration(IMAGES_WAIT), c.getString(DEVICE), c.getDouble(POINTING_TOLERANCE), c.getInt(FAITHFULNESS_STEPS),
                KafkaKeys.clientProperties(c), new ImageLimits(c.getBytes(ImageKeys.MAX_BYTES), c.getLong(ImageKeys.MAX_PIXELS)),
                ObjectStoreConfig.settings(c),
                new LoadLimits(Duration.ofMillis(c.getLong(MAX_AGE_MS)), c.getDouble(CAPACITY_UTILISATION),
                        c.getLong(HEALTH_MAX_LAG), Duration.ofMillis(c.getLong(HEALTH_MAX_AGE_MS))),
                new ExplanationOptions(ExplanationOptions.parseParams(c.getList(ExplanationOptions.PARAMS)),
                        c.getList(ExplanationOptions.ROAD_PERCENTILES).stream().map(Integer::valueOf).toList(),
                        c.getDouble(ExplanationOptions.ROAD_NOISE)));
    }

    /** Defaults of {@link #DEFINITION}: gradcam + guided-gradcam + featuremaps on every prediction, batches of 8, 1 GiB of artifacts. */
    public static ExplainWorkerConfig defaults(String bootstrapServers, TopicCatalog catalog, Path modelPath, Path artifactDir) {
        Map<String, Object> values = new LinkedHashMap<>();
        values.put(PlatformConfig.BOOTSTRAP_SERVERS, bootstrapServers);
        values.put(PlatformConfig.TOPIC_PREFIX, catalog.prefix());
        values.put(MODEL, modelPath);
        values.put(ARTIFACTS_DIR, artifactDir);
        return from(DEFINITION.parse(values), catalog);
    }

    public ExplainWorkerConfig withPolicy(String p) {
        return new ExplainWorkerConfig(bootstrapServers, catalog, modelPath, artifactDir, artifactLimits, p, methods, layer,
                maxBatch, maxWait, groupId, instanceId, imageCacheEntries, imageCacheBytes, imageLookback, imageWait,
                deviceSpec, pointingTolerance, faithfulnessSteps, kafkaProperties, imageLimits, store, load, explanation);
    }

    public ExplainWorkerConfig withMethods(List<String> m, String l) {
        return new ExplainWorkerConfig(bootstrapServers, catalog, modelPath, artifactDir, artifactLimits, policy, m, l,
                maxBatch, maxWait, groupId, instanceId, imageCacheEntries, imageCacheBytes, imageLookback, imageWait,
                deviceSpec, pointingTolerance, faithfulnessSteps, kafkaProperties, imageLimits, store, load, explanation);
    }

    public ExplainWorkerConfig withBatch(int max, Duration wait) {
        return new ExplainWorkerConfig(bootstrapServers, catalog, modelPath, artifactDir, artifactLimits, policy, methods,
                layer, max, wait, groupId, instanceId, imageCacheEntries, imageCacheBytes, imageLookback, imageWait,
                deviceSpec, pointingTolerance, faithfulnessSteps, kafkaProperties, imageLimits, store, load, explanation);
    }

    public ExplainWorkerConfig withIdentity(String group, String instance) {
        return new ExplainWorkerConfig(bootstrapServers, catalog, modelPath, artifactDir, artifactLimits, policy, methods,
                layer, maxBatch, maxWait, group, instance, imageCacheEntries, imageCacheBytes, imageLookback, imageWait,
                deviceSpec, pointingTolerance, faithfulnessSteps, kafkaProperties, imageLimits, store, load, explanation);
    }

    public ExplainWorkerConfig withImageWait(Duration wait) {
        return new ExplainWorkerConfig(bootstrapServers, catalog, modelPath, artifactDir, artifactLimits, policy, methods,
                layer, maxBatch, maxWait, groupId, instanceId, imageCacheEntries, imageCacheBytes, imageLookback, wait,
                deviceSpec, pointingTolerance, faithfulnessSteps, kafkaProperties, imageLimits, store, load, explanation);
    }

    public ExplainWorkerConfig withStore(StoreSettings s) {
        return new ExplainWorkerConfig(bootstrapServers, catalog, modelPath, artifactDir, artifactLimits, policy, methods,
                layer, maxBatch, maxWait, groupId, instanceId, imageCacheEntries, imageCacheBytes, imageLookback, imageWait,
                deviceSpec, pointingTolerance, faithfulnessSteps, kafkaProperties, imageLimits, s, load, explanation);
    }

    public ExplainWorkerConfig withDevice(String device) {
        return new ExplainWorkerConfig(bootstrapServers, catalog, modelPath, artifactDir, artifactLimits, policy, methods,
                layer, maxBatch, maxWait, groupId, instanceId, imageCacheEntries, imageCacheBytes, imageLookback, imageWait,
                device, pointingTolerance, faithfulnessSteps, kafkaProperties, imageLimits, store, load, explanation);
    }

    public ExplainWorkerConfig withArtifactLimits(ArtifactStore.Limits limits) {
        return new ExplainWorkerConfig(bootstrapServers, catalog, modelPath, artifactDir, limits, policy, methods,
                layer, maxBatch, maxWait, groupId, instanceId, imageCacheEntries, imageCacheBytes, imageLookback, imageWait,
                deviceSpec, pointingTolerance, faithfulnessSteps, kafkaProperties, imageLimits, store, load, explanation);
    }

    public ExplainWorkerConfig withLoadLimits(LoadLimits limits) {
        return new ExplainWorkerConfig(bootstrapServers, catalog, modelPath, artifactDir, artifactLimits, policy, methods,
                layer, maxBatch, maxWait, groupId, instanceId, imageCacheEntries, imageCacheBytes, imageLookback, imageWait,
                deviceSpec, pointingTolerance, faithfulnessSteps, kafkaProperties, imageLimits, store, limits, explanation);
    }

    public ExplainWorkerConfig withExplanationOptions(ExplanationOptions options) {
        return new ExplainWorkerConfig(bootstrapServers, catalog, modelPath, artifactDir, artifactLimits, policy, methods,
                layer, maxBatch, maxWait, groupId, instanceId, imageCacheEntries, imageCacheBytes, imageLookback, imageWait,
                deviceSpec, pointingTolerance, faithfulnessSteps, kafkaProperties, imageLimits, store, load, options);
    }

    /** A policy spec that {@link ExplanationPolicy#parse} accepts; its message names the bad term. */
    private static Validator policyValidator() {
        return new Validator() {
            @Override
            public void ensureValid(String key, Object value) {
                try {
                    ExplanationPolicy.parse(String.valueOf(value));
                } catch (ConfigException e) {
                    throw e;
                } catch (IllegalArgumentException e) {
                    throw new ConfigException(key, value, e.getMessage());
                }
            }

            @Override
            public String describe() {
                return "all, sample:<rate>, low-confidence:<p>, disagreement, on-demand";
            }
        };
    }

    private static void require(boolean ok, String key, Object value, String expectation) {
        if (!ok) {
            throw new ConfigException(key, value, "expected " + expectation);
        }
    }
}
