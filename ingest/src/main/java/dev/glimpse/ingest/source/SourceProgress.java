package dev.glimpse.ingest.source;

import dev.glimpse.contracts.Topic;
import dev.glimpse.contracts.events.IngestPosition;
import dev.glimpse.platform.kafka.KafkaClients;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes a source (dataset replay, watched directory) resumable and exactly once across crashes: what the source
 * publishes (images, labels, dead letters) is sent in Kafka transactions, and each transaction also writes the source's
 * position to {@code ingest-state}. A commit makes both visible together; a crash aborts the open transaction (the next
 * producer with the same transactional id fences it), so a restart reads the last committed position and goes on
 * from there, under the same deterministic image ids, without any image being visible twice to read_committed
 * consumers. A replay's position is its event index ({@code <run id>:<event index>} ids): a run is resumed when its
 * position is incomplete and asks for the same events (limit, seed, feedback), otherwise a new run begins, numbered
 * after the last one. A directory's position names the files committed but not yet moved out of the directory.
 */
public final class SourceProgress {

    private static final Logger log = LoggerFactory.getLogger(SourceProgress.class);
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(60);

    private final Producer<byte[], byte[]> producer;
    private final KafkaClients clients;
    private final Topic<String, IngestPosition> topic;
    private final String source;
    private final Duration commitInterval;
    private final Clock clock;
    private long transactionStartNanos;
    private boolean inTransaction;

    /**
     * @param producer       a transactional producer (initTransactions done: any predecessor with its id is fenced),
     *                       the one the replay's ingestor sends with
     * @param source         the key of the position, e.g. {@code replay:fashion-mnist:test}
     * @param commitInterval how long a transaction stays open at most (what it adds to the latency of a replayed image)
     */
    public SourceProgress(Producer<byte[], byte[]> producer, KafkaClients clients, Topic<String, IngestPosition> topic,
                          String source, Duration commitInterval, Clock clock) {
        this.producer = producer;
        this.clients = clients;
        this.topic = topic;
        this.source = source;
        this.commitInterval = commitInterval;
        this.clock = clock;
    }

    /** The transactional id of a source: one per source and topic prefix, stable across restarts. */
    public static String transactionalId(String topicPrefix, String source) {
        return topicPrefix + "glimpse-ingest-" + source.replaceAll("[^A-Za-z0-9._-]", "-");
    }

    public String source() {
        return source;
    }

    /**
     * The position to start from: the stored run when it is unfinished and asks for the same events, else a new run
     * (next run number) at index 0. Opens the first transaction.
     */
    public IngestPosition begin(long limit, long seed, double feedbackFraction) {
        Optional<IngestPosition> stored = stored();
        IngestPosition start;
        if (stored.isPresent() && !stored.get().getComplete() && stored.get().getLimit() == limit
                && stored.get().getSeed() == seed && stored.get().getFeedbackFraction() == feedbackFraction) {
            start = stored.get();
            log.info("{}: resuming run {} at event {} of {} ({} published before)", source, start.getRunId(),
                    start.getNextIndex(), limit, start.getPublished());
        } else {
            long runNumber = stored.map(p -> runNumber(p.getRunId()) + 1).orElse(1L);
            start = IngestPosition.newBuilder().setSource(source).setRunId(runId(runNumber)).setLimit(limit).setSeed(seed)
                    .setFeedbackFraction(feedbackFraction).setStartedAtMs(clock.millis()).build();
        }
        beginTransaction();
        return start;
    }

    /** The source's last committed position, if it has one (read_committed, to the end of {@code ingest-state}). */
    public Optional<IngestPosition> stored() {
        return Optional.ofNullable(SourcePositions.read(clients, topic, source::equals, READ_TIMEOUT).get(source));
    }

    /** The run id: the source's dataset and a run number, e.g. {@code fashion-mnist.r3} (the image ids' prefix). */
    String runId(long runNumber) {
        String[] parts = source.split(":");
        String dataset = parts.length > 1 ? parts[1] : source;
        return dataset.replaceAll("[^A-Za-z0-9._-]", "-") + ".r" + runNumber;
    }

    static long runNumber(String runId) {
        int r = runId.lastIndexOf(".r");
        try {
            return r < 0 ? 0 : Long.parseLong(runId.substring(r + 2));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** True when the open transaction has been open for the commit interval. */
    public boolean commitDue() {
        return inTransaction && System.nanoTime() - transactionStartNanos >= commitInterval.toNanos();
    }

    /** Writes the position and commits everything sent since the last commit; opens the next transaction. */
    public void commit(IngestPosition position) {
        commitWithoutReopening(position);
        beginTransaction();
    }

    /** Writes the position and commits, leaving no transaction open (the last commit of a run, a stop, a scan). */
    public void finish(IngestPosition position) {
        commitWithoutReopening(position);
    }

    private void commitWithoutReopening(IngestPosition position) {
        IngestPosition stamped = position.toBuilder().setUpdatedAtMs(clock.millis()).build();
        producer.send(new ProducerRecord<>(topic.name(), topic.serializeKey(source), topic.serializeValue(stamped)));
        producer.commitTransaction();
        inTransaction = false;
    }

    /** Drops what was sent since the last commit (e.g. after a send failed); nothing of it becomes visible. */
    public void abort() {
        producer.abortTransaction();
        inTransaction = false;
    }

    /** Opens a transaction: what is sent from now on becomes visible with the next {@link #commit} or {@link #finish}. */
    public void beginTransaction() {
        producer.beginTransaction();
        inTransaction = true;
        transactionStartNanos = System.nanoTime();
    }
}
