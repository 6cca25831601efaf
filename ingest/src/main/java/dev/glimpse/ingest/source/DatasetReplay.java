package dev.glimpse.ingest.source;

import dev.glimpse.datasets.Dataset;
import dev.glimpse.datasets.Datasets;
import dev.glimpse.datasets.FashionMnist;
import dev.glimpse.datasets.LabeledImage;
import dev.glimpse.datasets.ShapesConfig;
import dev.glimpse.datasets.ShapesDataset;
import dev.glimpse.ingest.ImageSubmission;
import dev.glimpse.ingest.IngestOutcome;
import dev.glimpse.ingest.Ingestor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Replays a labelled dataset into ingest at a fixed rate: each image is encoded as PNG, carries its label (and
 * the object mask for the synthetic shapes and scenes), and with probability {@code feedbackFraction} its label is also sent
 * as a Label event, as a user correcting predictions would.
 */
public final class DatasetReplay implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DatasetReplay.class);
    /** Sends awaited once this many are in flight, so a slow broker slows the replay instead of filling memory. */
    private static final int MAX_IN_FLIGHT = 5_000;

    /** Counts at the end of a replay. */
    public record Stats(long published, long rejected, long labels, long elapsedMs) {
        public double eventsPerSecond() {
            return elapsedMs == 0 ? 0 : (published + rejected) * 1000.0 / elapsedMs;
        }
    }

    private final Dataset dataset;
    private final Ingestor ingestor;
    private final double rate;
    private final long limit;
    private final double feedbackFraction;
    private final long seed;
    private final CompletableFuture<Stats> done = new CompletableFuture<>();
    private volatile boolean stopped;
    private volatile long progress;
    private Thread thread;

    /**
     * @param rate  events per second, 0 = unthrottled
     * @param limit events to send, 0 = the dataset once (a limit above its size wraps around)
     */
    public DatasetReplay(Dataset dataset, Ingestor ingestor, double rate, long limit, double feedbackFraction, long seed) {
        if (rate < 0 || limit < 0 || feedbackFraction < 0 || feedbackFraction > 1) {
            throw new IllegalArgumentException("rate and limit must be >= 0 and feedbackFraction in [0, 1], got rate="
                    + rate + ", limit=" + limit + ", feedbackFraction=" + feedbackFraction);
        }
        this.dataset = dataset;
        this.ingestor = ingestor;
        this.rate = rate;
        this.limit = limit == 0 ? dataset.size() : limit;
        this.feedbackFraction = feedbackFraction;
        this.seed = seed;
    }

    /** {@code fashion-mnist} when its files are installed, {@code shapes} otherwise. */
    public static String defaultDataset() {
        return FashionMnist.isAvailable() ? "fashion-mnist" : "shapes";
    }

    /**
     * Opens the part of a dataset to replay: {@code fashion-mnist} (needs the Debian package
     * {@code dataset-fashion-mnist}), {@code shapes} (synthetic, always available), {@code scenes} (rendered RGB scenes, always available) or a directory
     * of class folders.
     */
    public static Dataset open(String spec, String split) {
        boolean test = !"train".equals(split);
        try {
            return switch (spec) {
                case "fashion-mnist" -> {
                    if (!FashionMnist.isAvailable()) {
                        throw new IllegalArgumentException("dataset 'fashion-mnist' is not installed under "
                                + FashionMnist.DEFAULT_DIR + " (apt-get install dataset-fashion-mnist), use --dataset shapes");
                    }
                    yield FashionMnist.loadPart(FashionMnist.DEFAULT_DIR, test ? "t10k" : "train");
                }
                case "shapes" -> {
                    var parts = ShapesDataset.split(ShapesConfig.DEFAULT, Datasets.DEFAULT_SHAPES_TRAIN, Datasets.DEFAULT_SHAPES_TEST);
                    yield test ? parts.test() : parts.train();
                }
                default -> {
                    var parts = Datasets.open(spec);
                    yield test ? parts.test() : parts.train();
                }
            };
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open dataset '" + spec + "': " + e.getMessage(), e);
        }
    }

    public Dataset dataset() {
        return dataset;
    }

    /** Completes with the counts when the replay has sent {@code limit} events (or was closed). */
    public CompletableFuture<Stats> done() {
        return done;
    }

    /** Events sent so far. */
    public long progress() {
        return progress;
    }

    public synchronized DatasetReplay start() {
        if (thread != null) {
            throw new IllegalStateException("replay already started");
        }
        thread = new Thread(this::runSafely, "glimpse-ingest-replay");
        thread.setDaemon(true);
        thread.start();
        return this;
    }

    private void runSafely() {
        try {
            done.complete(run());
        } catch (Throwable e) {
            log.error("replay of {} failed", dataset.name(), e);
            done.completeExceptionally(e);
        }
    }

    /** Runs the replay on the calling thread. */
    public Stats run() throws Exception {
        Random feedback = new Random(seed);
        String source = "replay:" + dataset.name();
        ArrayDeque<Future<RecordMetadata>> inFlight = new ArrayDeque<>();
        long published = 0;
        long rejected = 0;
        long labels = 0;
        long start = System.nanoTime();
        double nanosPerEvent = rate > 0 ? 1e9 / rate : 0;
        for (long i = 0; i < limit && !stopped; i++) {
            if (nanosPerEvent > 0) {
                long due = start + (long) (i * nanosPerEvent);
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait);
                }
            }
            int index = (int) (i % dataset.size());
            LabeledImage image = dataset.get(index);
            Map<String, String> attributes = Map.of("dataset", dataset.name(), "index", String.valueOf(index),
                    "class_name", dataset.classNames().get(image.label()));
            IngestOutcome outcome = ingestor.ingest(new ImageSubmission(PngWriter.encode(image), "replay", source, image.label(),
                    null, image.mask(), attributes));
            inFlight.add(outcome.send());
            if (outcome instanceof IngestOutcome.Accepted accepted) {
                published++;
                if (feedbackFraction > 0 && feedback.nextDouble() < feedbackFraction) {
                    inFlight.add(ingestor.label(accepted.imageId(), image.label(), "replay", null));
                    labels++;
                }
            } else {
                rejected++;
            }
            while (inFlight.size() > MAX_IN_FLIGHT) {
                inFlight.poll().get(60, TimeUnit.SECONDS);
            }
            progress = i + 1;
        }
        for (Future<RecordMetadata> f : inFlight) {
            f.get(60, TimeUnit.SECONDS);
        }
        Stats stats = new Stats(published, rejected, labels, (System.nanoTime() - start) / 1_000_000);
        log.info("replayed {}: {} published, {} rejected, {} labels in {} ms", dataset.name(), published, rejected,
                labels, stats.elapsedMs());
        return stats;
    }

    @Override
    public void close() {
        stopped = true;
        Thread t;
        synchronized (this) {
            t = thread;
        }
        if (t != null) {
            try {
                t.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
