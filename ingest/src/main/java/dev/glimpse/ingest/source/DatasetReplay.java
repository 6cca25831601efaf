package dev.glimpse.ingest.source;

import dev.glimpse.contracts.events.IngestPosition;
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
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Replays a labelled dataset into ingest at a fixed rate, resumably (see {@link SourceProgress}): each image is encoded as PNG, carries its label (and
 * the object mask for the synthetic shapes and scenes), and with probability {@code feedbackFraction} its label is also sent
 * as a Label event, as a user correcting predictions would.
 */
public final class DatasetReplay implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DatasetReplay.class);
    /** A transaction is committed after this many events at the latest (unthrottled replays), else by time. */
    private static final int MAX_PER_TRANSACTION = 1_000;
    /** Before waiting this long for the next event, the open transaction is committed. */
    private static final long IDLE_COMMIT_NANOS = 20_000_000L;

    /** Counts at the end of a replay. */
    public record Stats(long published, long rejected, long labels, long elapsedMs) {
        public double eventsPerSecond() {
            return elapsedMs == 0 ? 0 : (published + rejected) * 1000.0 / elapsedMs;
        }
    }

    private final Dataset dataset;
    private final Ingestor ingestor;
    private final SourceProgress progressStore;
    private final double rate;
    private final long limit;
    private final double feedbackFraction;
    private final long seed;
    private final CompletableFuture<Stats> done = new CompletableFuture<>();
    private volatile boolean stopped;
    private volatile long progress;
    private volatile IngestPosition run;
    private Thread thread;

    /**
     * @param rate  events per second, 0 = unthrottled
     * @param limit events to send, 0 = the dataset once (a limit above its size wraps around)
     */
    public DatasetReplay(Dataset dataset, Ingestor ingestor, SourceProgress progress, double rate, long limit,
                         double feedbackFraction, long seed) {
        if (rate < 0 || limit < 0 || feedbackFraction < 0 || feedbackFraction > 1) {
            throw new IllegalArgumentException("rate and limit must be >= 0 and feedbackFraction in [0, 1], got rate="
                    + rate + ", limit=" + limit + ", feedbackFraction=" + feedbackFraction);
        }
        this.dataset = dataset;
        this.ingestor = ingestor;
        this.progressStore = progress;
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
        } catch (ProducerFencedException e) {
            log.warn("replay of {} stopped: another ingest took over its source (same transactional id)", dataset.name());
            done.completeExceptionally(e);
        } catch (Throwable e) {
            log.error("replay of {} failed", dataset.name(), e);
            done.completeExceptionally(e);
        }
    }

    /**
     * Runs the replay on the calling thread, from the position {@link SourceProgress} gives (index 0 of a new run,
     * or where an interrupted run stopped). Image ids are {@code <run id>:<event index>}, so a resumed run sends
     * exactly the images the interrupted one had not committed, under the same ids.
     */
    public Stats run() throws Exception {
        IngestPosition position = progressStore.begin(limit, seed, feedbackFraction);
        run = position;
        String source = "replay:" + dataset.name();
        long first = position.getNextIndex();
        long published = position.getPublished();
        long rejected = position.getRejected();
        long labels = position.getLabels();
        int sentInTransaction = 0;
        long start = System.nanoTime();
        double nanosPerEvent = rate > 0 ? 1e9 / rate : 0;
        long i = first;
        for (; i < limit && !stopped; i++) {
            if (sentInTransaction > 0 && (progressStore.commitDue() || sentInTransaction >= MAX_PER_TRANSACTION)) {
                progressStore.commit(position(position, i, published, rejected, labels, false));
                sentInTransaction = 0;
            }
            if (nanosPerEvent > 0) {
                long due = start + (long) ((i - first) * nanosPerEvent);
                long wait = due - System.nanoTime();
                if (wait > IDLE_COMMIT_NANOS && sentInTransaction > 0) {
                    // a slow replay would otherwise hold its images invisible until the next event
                    progressStore.commit(position(position, i, published, rejected, labels, false));
                    sentInTransaction = 0;
                    wait = due - System.nanoTime();
                }
                if (wait > 0) {
                    LockSupport.parkNanos(wait);
                }
            }
            int index = (int) (i % dataset.size());
            LabeledImage image = dataset.get(index);
            Map<String, String> attributes = Map.of("dataset", dataset.name(), "index", String.valueOf(index),
                    "class_name", dataset.classNames().get(image.label()));
            IngestOutcome outcome = ingestor.ingest(new ImageSubmission(PngWriter.encode(image), "replay", source, image.label(),
                    position.getRunId() + ":" + i, image.mask(), attributes));
            sentInTransaction++;
            if (outcome instanceof IngestOutcome.Accepted accepted) {
                published++;
                if (feedbackFraction > 0 && sendsFeedback(i)) {
                    ingestor.label(accepted.imageId(), image.label(), "replay", null);
                    labels++;
                }
            } else {
                rejected++;
            }
            progress = i + 1;
        }
        progressStore.finish(position(position, i, published, rejected, labels, i >= limit));
        Stats stats = new Stats(published, rejected, labels, (System.nanoTime() - start) / 1_000_000);
        log.info("replayed {} ({}, events {}..{}): {} published, {} rejected, {} labels in {} ms", dataset.name(),
                position.getRunId(), first, i, published, rejected, labels, stats.elapsedMs());
        return stats;
    }

    /** Whether event i also sends its label: a function of the seed and the index, so a resumed run decides alike. */
    private boolean sendsFeedback(long i) {
        return new SplittableRandom(seed * 0x9E3779B97F4A7C15L + i).nextDouble() < feedbackFraction;
    }

    private static IngestPosition position(IngestPosition run, long next, long published, long rejected, long labels,
                                           boolean complete) {
        return run.toBuilder().setNextIndex(next).setPublished(published).setRejected(rejected).setLabels(labels)
                .setComplete(complete).build();
    }

    /** The run being replayed (its id, start time and where it began), once {@link #run()} has begun. */
    public Optional<IngestPosition> currentRun() {
        return Optional.ofNullable(run);
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
