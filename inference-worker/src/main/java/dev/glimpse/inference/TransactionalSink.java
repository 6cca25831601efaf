package dev.glimpse.inference;

import dev.glimpse.contracts.TopicCatalog;
import dev.glimpse.contracts.events.Prediction;
import dev.glimpse.platform.kafka.DeadLetterPublisher;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Commit thread: owns the transactional producer. Sends each scored batch's predictions, dead letters and shadow
 * predictions into the open transaction with the batch's consumed offsets, and commits when no further batch is
 * imminent (idle stream) or the commit interval has passed (backlog). A failed transaction is aborted and the poll
 * thread rewinds to the committed offsets.
 */
final class TransactionalSink implements Runnable {

    private static final Logger LOG = LoggerFactory.getLogger(InferenceWorker.class); // the worker's log category

    private final InferenceConfig config;
    private final TopicCatalog catalog;
    private final Producer<byte[], byte[]> producer;
    private final PipelineState state;
    private final ScoredBatchQueue scored;
    private final InferenceMetrics metrics;
    private final MeterRegistry registry;
    private final PredictionMapper mapper;
    private final DeadLetterPublisher deadLetterPublisher;
    private final AtomicLong predictions = new AtomicLong();
    private final AtomicLong deadLetters = new AtomicLong();
    private final AtomicLong transactions = new AtomicLong();

    TransactionalSink(InferenceConfig config, TopicCatalog catalog, Producer<byte[], byte[]> producer,
                      PipelineState state, ScoredBatchQueue scored, InferenceMetrics metrics, MeterRegistry registry) {
        this.config = config;
        this.catalog = catalog;
        this.producer = producer;
        this.state = state;
        this.scored = scored;
        this.metrics = metrics;
        this.registry = registry;
        this.deadLetterPublisher = new DeadLetterPublisher(producer, catalog.deadletter(), registry, "inference");
        this.mapper = new PredictionMapper(config.workerId(), config.topK(), deadLetterPublisher);
    }

    long predictions() {
        return predictions.get();
    }

    long deadLetters() {
        return deadLetters.get();
    }

    long committedTransactions() {
        return transactions.get();
    }

    @Override
    public void run() {
        OpenTransaction txn = null;
        try {
            while (state.running()) {
                if (state.crashDeadlinePassed()) {
                    break;
                }
                if (state.rewindNeeded() && txn == null) {
                    Thread.sleep(2);
                    continue;
                }
                // With a transaction open a batch is imminent (else it was committed): wait for it, but no longer
                // than a batch may take to form, nor past the commit deadline.
                long waitNanos = txn == null ? 100_000_000L
                        : Math.max(0, Math.min(txn.deadlineNanos - System.nanoTime(), config.maxWait().toNanos() + 1_000_000L));
                ScoredBatch batch = scored.poll(waitNanos);
                if (batch != null && !state.rewindNeeded()) {
                    if (txn == null) {
                        // taken before reading the epoch: a rebalance that got the lock first has dropped these
                        state.commitLock.lock();
                        txn = new OpenTransaction(config.commitInterval());
                    }
                    // images read before a rebalance or rewind are dropped: their next owner reads them again
                    long current = state.epoch();
                    List<PendingImage> live = batch.images().stream().filter(p -> p.epoch() == current).toList();
                    if (!live.isEmpty()) {
                        if (!send(txn, live, batch)) {
                            txn = null; // aborted and rewound; send released the lock
                            continue;
                        }
                    }
                }
                if (txn != null && (!scored.batchImminent() || System.nanoTime() >= txn.deadlineNanos)) {
                    OpenTransaction done = txn;
                    txn = null;
                    if (finish(done)) {
                        break; // simulated crash: the transaction stays open
                    }
                }
            }
            if (txn != null && !state.crashRequested()) {
                finish(txn); // graceful stop: commit what was already sent
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Throwable t) {
            state.fail(t);
        } finally {
            if (state.commitLock.isHeldByCurrentThread()) {
                state.commitLock.unlock();
            }
            if (state.crashRequested()) {
                producer.close(Duration.ZERO);
            } else {
                try {
                    // an open, uncommitted transaction is aborted by closing: its records are re-read by the next owner
                    producer.close(Duration.ofSeconds(5));
                } catch (RuntimeException e) {
                    LOG.debug("closing producer", e);
                }
            }
            state.stop();
            state.threadStopped();
        }
    }

    /**
     * Sends the predictions and dead letters of a scored batch's live images inside the open transaction.
     *
     * @return false when the transaction had to be aborted (the consumer then rewinds)
     */
    private boolean send(OpenTransaction txn, List<PendingImage> live, ScoredBatch batch) {
        BatchTiming timing = batch.timing();
        try {
            if (!txn.begun) {
                producer.beginTransaction();
                txn.begun = true;
            }
            int predicted = 0;
            for (PendingImage p : live) {
                txn.offsets.put(p.partition(), new OffsetAndMetadata(p.offset() + 1));
                ScoreOutcome outcome = batch.outcomes().get(p);
                if (outcome instanceof ScoreOutcome.Predicted s) {
                    Prediction prediction = mapper.prediction(p, s.scores(), batch.model(), timing);
                    producer.send(new ProducerRecord<>(catalog.predictions().name(), PredictionMapper.key(p),
                            prediction.toByteArray()));
                    txn.predicted.add(new OpenTransaction.SentPrediction(
                            batch.batchStartMs() - prediction.getIngestedAtMs(), prediction.getIngestedAtMs()));
                    predicted++;
                } else {
                    ScoreOutcome.DeadLettered d = (ScoreOutcome.DeadLettered) outcome;
                    producer.send(new ProducerRecord<>(catalog.deadletter().name(), PredictionMapper.key(p),
                            mapper.deadLetter(p, d).toByteArray()));
                    txn.deadLettered.add(d.reason());
                }
            }
            if (batch.shadow() != null) {
                sendShadowPredictions(batch, live);
            }
            txn.group = live.get(live.size() - 1).group();
            txn.records += live.size();
            if (predicted > 0) {
                txn.batches.add(new OpenTransaction.SentBatch(batch.good(), batch.inferenceNanos()));
            }
            return true;
        } catch (KafkaException e) {
            abortAndRewind(txn, e);
            return false;
        }
    }

    /** Sends the shadow model's answers (of the batch's live images) to the shadow topic in the open transaction. */
    private void sendShadowPredictions(ScoredBatch batch, List<PendingImage> live) {
        ScoredBatch.Shadow shadow = batch.shadow();
        Set<PendingImage> alive = Collections.newSetFromMap(new IdentityHashMap<>());
        alive.addAll(live);
        // the shadow's predictions name the serving model's device
        AnsweringModel model = new AnsweringModel(shadow.metadata(), shadow.name(), shadow.version(),
                batch.model().device());
        BatchTiming timing = new BatchTiming(batch.batchStartMs(), shadow.inferenceMs(), shadow.images().size());
        int sent = 0;
        for (int i = 0; i < shadow.images().size(); i++) {
            PendingImage p = shadow.images().get(i);
            if (!alive.contains(p)) {
                continue;
            }
            Prediction prediction = mapper.prediction(p, shadow.scored().get(i), model, timing).toBuilder()
                    .setShadow(true).build();
            producer.send(new ProducerRecord<>(catalog.predictionsShadow().name(), PredictionMapper.key(p),
                    prediction.toByteArray()));
            sent++;
        }
        registry.counter("glimpse.inference.shadow.predictions", "version", shadow.version()).increment(sent);
    }

    /**
     * Commits the consumed offsets with the transaction and counts what it contained.
     *
     * @return true when a simulated crash left the transaction open instead
     */
    private boolean finish(OpenTransaction txn) {
        try {
            if (!txn.begun) {
                return false;
            }
            if (state.crashRequested()) {
                // Simulated crash after the sends reached the log: the transaction is left open, nothing committed.
                producer.flush();
                LOG.warn("inference worker {}: simulated crash with a transaction of {} records open",
                        config.workerId(), txn.records);
                return true;
            }
            producer.sendOffsetsToTransaction(txn.offsets, txn.group);
            producer.commitTransaction();
        } catch (ProducerFencedException | OutOfOrderSequenceException
                 | AuthorizationException | UnsupportedVersionException e) {
            // Another instance took our transactional id, or the producer cannot continue: stop, do not write.
            throw new IllegalStateException("inference worker " + config.workerId()
                    + " cannot continue its transactions: " + e.getMessage(), e);
        } catch (InvalidProducerEpochException e) {
            // Abortable, not fatal: the coordinator aborted this transaction itself (it outlived its timeout while a
            // broker was lost and its partitions moved) and bumped the epoch; aborting lets the producer go on with
            // the new epoch. Seen as "Producer attempted to produce with an old epoch" in a demo --kill-broker-at run.
            abortAndRewind(txn, e);
            return false;
        } catch (KafkaException e) {
            abortAndRewind(txn, e);
            return false;
        } finally {
            if (state.commitLock.isHeldByCurrentThread()) {
                state.commitLock.unlock();
            }
        }
        long committedAt = System.currentTimeMillis();
        transactions.incrementAndGet();
        metrics.transaction("committed");
        txn.reportCommitted(metrics, committedAt);
        predictions.addAndGet(txn.predicted.size());
        deadLetters.addAndGet(txn.deadLettered.size());
        txn.deadLettered.forEach(deadLetterPublisher::countSent);
        return false;
    }

    private void abortAndRewind(OpenTransaction txn, KafkaException cause) {
        LOG.warn("inference worker {}: transaction of {} records failed, aborting and rewinding: {}",
                config.workerId(), txn.records, cause.toString());
        metrics.transaction("aborted");
        try {
            if (txn.begun) {
                producer.abortTransaction();
            }
        } catch (KafkaException abortFailure) {
            throw new IllegalStateException("cannot abort transaction: " + abortFailure.getMessage(), abortFailure);
        } finally {
            state.requestRewind();
            if (state.commitLock.isHeldByCurrentThread()) {
                state.commitLock.unlock();
            }
        }
    }
}
