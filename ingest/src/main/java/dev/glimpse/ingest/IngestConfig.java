package dev.glimpse.ingest;

import dev.glimpse.contracts.TopicCatalog;
import dev.glimpse.ingest.validation.ImageFormat;
import dev.glimpse.ingest.validation.ImageValidator;
import dev.glimpse.platform.config.Config;
import dev.glimpse.platform.config.ConfigDefinition;
import dev.glimpse.platform.config.ConfigType;
import dev.glimpse.platform.config.PlatformConfig;
import dev.glimpse.platform.config.StreamsKeys;
import dev.glimpse.platform.config.Validator;
import dev.glimpse.platform.http.BearerAuth;
import dev.glimpse.platform.http.HttpSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;

/** The ingest service's configuration: keys defined once here, parsed and validated once at start. */
public final class IngestConfig {

    public static final String HTTP_PORT = "ingest.http.port";
    public static final String MAX_BYTES = "ingest.max.bytes";
    public static final String MAX_PIXELS = "ingest.max.pixels";
    public static final String FORMATS = "ingest.formats";
    public static final String COLOR_MODES = "ingest.color.modes";
    public static final String DECODE_CHECK = "ingest.decode.check";
    public static final String NUM_CLASSES = "ingest.label.classes";
    public static final String IDS_REMEMBERED = "ingest.ids.remembered";
    public static final String WATCH_DIR = "ingest.watch.dir";
    public static final String WATCH_INTERVAL = "ingest.watch.interval";
    public static final String DATASET = "ingest.dataset";
    public static final String DATASET_SPLIT = "ingest.dataset.split";
    public static final String RATE = "ingest.dataset.rate";
    public static final String LIMIT = "ingest.dataset.limit";
    public static final String FEEDBACK_FRACTION = "ingest.feedback.fraction";
    public static final String SEED = "ingest.dataset.seed";
    public static final String COMMIT_INTERVAL = "ingest.commit.interval";
    public static final String RESULTS = "ingest.results";
    public static final String RESULTS_RETENTION = "ingest.results.retention";
    public static final String ADVERTISED_HOST = "ingest.http.advertised.host";
    public static final String ARTIFACTS_URL = "ingest.results.artifacts.url";

    /** Default metrics port of {@code ./glimpse ingest}. */
    public static final int METRICS_PORT = 9401;

    public static final ConfigDefinition DEFINITION = new ConfigDefinition("ingest")
            .include(PlatformConfig.common(METRICS_PORT))
            .include(BearerAuth.definition())
            .define(HTTP_PORT, ConfigType.INT, 8081, Validator.between(-1, 65535),
                    "Port of POST /v1/images and /v1/labels (0 = any free port, -1 = no HTTP)")
            .define(MAX_BYTES, ConfigType.BYTES, "8MiB", Validator.between(1, TopicCatalog.MAX_IMAGE_RECORD_BYTES - 64 * 1024),
                    "Largest accepted image payload")
            .define(MAX_PIXELS, ConfigType.LONG, 16L * 1024 * 1024, Validator.atLeast(1),
                    "Largest accepted width x height, read from the header before decoding")
            .define(FORMATS, ConfigType.LIST, "png,jpeg", Validator.oneOf("png", "jpeg", "gif", "bmp", "tiff", "webp"),
                    "Accepted image formats")
            .define(COLOR_MODES, ConfigType.LIST, "gray,gray-alpha,rgb,rgba,indexed",
                    Validator.oneOf("gray", "gray-alpha", "rgb", "rgba", "indexed"),
                    "Accepted colour models of 8-bit images (CMYK JPEG and 16-bit PNG are always refused)")
            .define(DECODE_CHECK, ConfigType.BOOLEAN, false, "Also decode (PNG: inflate) every image at ingest, so that "
                    + "corrupt pixel data is refused before the images topic; off: ingest reads only the header and the "
                    + "file structure, the inference worker's one decode finds corrupt pixels and dead-letters them")
            .define(NUM_CLASSES, ConfigType.INT, 0, Validator.atLeast(0),
                    "Labels must be below this class count or, when larger, the serving model's (announced on the models "
                            + "topic); 0 = the serving model's, any non-negative integer until one is announced")
            .define(IDS_REMEMBERED, ConfigType.INT, 100_000, Validator.between(0, 10_000_000),
                    "Image ids remembered (least recently used forgotten first) with the SHA-256 of their bytes: an upload "
                            + "reusing one of them with other bytes or another label is refused (409), with the same is "
                            + "answered as the first (a retry); ids beyond this window are not checked (0 = none)")
            .define(WATCH_DIR, ConfigType.PATH, null,
                    "Directory whose new image files are ingested, then moved to done/ or rejected/")
            .define(WATCH_INTERVAL, ConfigType.DURATION, "500ms", Validator.atLeast(10), "How often the directory is scanned")
            .define(DATASET, ConfigType.STRING, null, "Dataset to replay: fashion-mnist, shapes, scenes or a directory of class folders")
            .define(DATASET_SPLIT, ConfigType.STRING, "test", Validator.oneOf("test", "train"), "Which part of the dataset to replay")
            .define(RATE, ConfigType.DOUBLE, 200.0, Validator.atLeast(0), "Replay rate in events per second (0 = as fast as possible)")
            .define(LIMIT, ConfigType.LONG, 0L, Validator.atLeast(0),
                    "Events to replay (0 = the split once; more than its size wraps around)")
            .define(FEEDBACK_FRACTION, ConfigType.DOUBLE, 0.1, Validator.between(0, 1),
                    "Fraction of replayed images whose label is also sent as a Label event (simulated feedback)")
            .define(SEED, ConfigType.LONG, 42L, "Seed of the feedback sampling")
            .define(COMMIT_INTERVAL, ConfigType.DURATION, "100ms", Validator.atLeast(1),
                    "How long a dataset replay's transaction stays open at most: its images become visible to "
                            + "read_committed readers, and its position in ingest-state durable, at each commit")
            .define(RESULTS, ConfigType.BOOLEAN, true,
                    "Serve the results API (POST /v1/images?wait=, GET /v1/predictions): a Kafka Streams store of predictions, explanations and labels by image id (needs the HTTP port)")
            .define(RESULTS_RETENTION, ConfigType.DURATION, Duration.ofHours(1), Validator.atLeast(1000),
                    "How long the results store keeps an image after it was first seen")
            .define(ARTIFACTS_URL, ConfigType.STRING, "http://127.0.0.1:8080", Validator.matches("https?://\\S+", "an http(s) URL"),
                    "Base URL of the web console, which serves explanation artifacts: the results API gives <url>/artifacts/<id>")
            .define(ADVERTISED_HOST, ConfigType.STRING, "127.0.0.1", Validator.nonEmpty(),
                    "Host name other ingest instances use to reach this one's HTTP port (requests for an image are forwarded to the instance that holds it)")
            .include(StreamsKeys.definition(Path.of("data/ingest-results"), Duration.ofSeconds(1), Duration.ZERO));

    private final Config config;

    private IngestConfig(Config config) {
        this.config = config;
    }

    public static IngestConfig parse(Map<String, ?> values) {
        return new IngestConfig(DEFINITION.parse(values));
    }

    public static IngestConfig parse(Map<String, ?> values, boolean ignoreUnknown) {
        return new IngestConfig(DEFINITION.parse(values, ignoreUnknown));
    }

    public Config config() {
        return config;
    }

    public String bootstrapServers() {
        return config.getString(PlatformConfig.BOOTSTRAP_SERVERS);
    }

    public TopicCatalog catalog() {
        return PlatformConfig.catalog(config);
    }

    public int httpPort() {
        return config.getInt(HTTP_PORT);
    }

    /** Who may upload and label ({@code auth.*}); fails naming the key when auth is on without a token. */
    public BearerAuth auth() {
        return BearerAuth.from(config, "ingest");
    }

    public boolean results() {
        return config.getBoolean(RESULTS);
    }

    public Duration resultsRetention() {
        return config.getDuration(RESULTS_RETENTION);
    }

    public String artifactsUrl() {
        return config.getString(ARTIFACTS_URL);
    }

    public String advertisedHost() {
        return config.getString(ADVERTISED_HOST);
    }

    /** Bind address, limits and TLS of the HTTP listeners ({@code http.*}). */
    public HttpSettings httpSettings() {
        return HttpSettings.from(config);
    }

    public long maxBytes() {
        return config.getBytes(MAX_BYTES);
    }

    public int numClasses() {
        return config.getInt(NUM_CLASSES);
    }

    /** The ids uploads and the watched directory may not reuse for other content ({@value #IDS_REMEMBERED}). */
    public ImageIds imageIds() {
        return new ImageIds(config.getInt(IDS_REMEMBERED));
    }

    public Optional<Path> watchDir() {
        return Optional.ofNullable(config.getPath(WATCH_DIR));
    }

    public Duration watchInterval() {
        return config.getDuration(WATCH_INTERVAL);
    }

    public Optional<String> dataset() {
        return Optional.ofNullable(config.getString(DATASET)).filter(s -> !s.isBlank());
    }

    public String datasetSplit() {
        return config.getString(DATASET_SPLIT);
    }

    public double rate() {
        return config.getDouble(RATE);
    }

    public long limit() {
        return config.getLong(LIMIT);
    }

    public double feedbackFraction() {
        return config.getDouble(FEEDBACK_FRACTION);
    }

    public Duration commitInterval() {
        return config.getDuration(COMMIT_INTERVAL);
    }

    public long seed() {
        return config.getLong(SEED);
    }

    public ImageValidator validator() {
        EnumSet<ImageFormat> formats = EnumSet.noneOf(ImageFormat.class);
        config.getList(FORMATS).forEach(f -> formats.add(ImageFormat.fromCode(f)));
        return new ImageValidator(maxBytes(), config.getLong(MAX_PIXELS), formats,
                new HashSet<>(config.getList(COLOR_MODES)), config.getBoolean(DECODE_CHECK));
    }

    @Override
    public String toString() {
        return config.toString();
    }
}
