package dev.glimpse.inference;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Poll thread: owns the consumer and feeds the {@link MicroBatcher} in poll order, handing each poll to the
 * {@link ImageDecoder} at once and pausing the partitions while a poll's worth waits outside the batcher. After an
 * aborted transaction it rewinds to the committed offsets; on a rebalance it waits for the open transaction's commit
 * and drops what it buffered. When it stops it waits for the scoring and commit threads before closing the consumer.
 */
final class PollLoop implements Runnable {

    private static final Logger LOG = LoggerFactory.getLogger(InferenceWorker.class); // the worker's log category
    static final Duration POLL_TIMEOUT = Duration.ofMillis(50);

    private final InferenceConfig config;
    private final String imagesTopic;
    private final Consumer<byte[], byte[]> consumer;
    private final ImageDecoder decoder;
    private final PipelineState state;
    private final MicroBatcher<PendingImage> batcher;
    private final InferenceMetrics metrics;
    private final CountDownLatch assigned;
    private final List<Thread> downstream;
    private final int decodeAhead;

    /**
     * @param assigned  opened when the first partitions are assigned
     * @param downstream the scoring and commit threads, joined before the consumer closes
     * @param decodeAhead records per poll ({@link DecodeAhead}): the backlog at which fetching pauses
     */
    PollLoop(InferenceConfig config, String imagesTopic, Consumer<byte[], byte[]> consumer, ImageDecoder decoder,
             PipelineState state, InferenceMetrics metrics, CountDownLatch assigned, List<Thread> downstream,
             int decodeAhead) {
        this.config = config;
        this.imagesTopic = imagesTopic;
        this.consumer = consumer;
        this.decoder = decoder;
        this.state = state;
        this.batcher = state.batcher;
        this.metrics = metrics;
        this.assigned = assigned;
        this.downstream = List.copyOf(downstream);
        this.decodeAhead = decodeAhead;
    }

    @Override
    public void run() {
        ArrayDeque<PendingImage> backlog = new ArrayDeque<>();
        long nextLagUpdate = 0;
        try {
            consumer.subscribe(List.of(imagesTopic), new Rebalance(backlog));
            while (state.running()) { // during a simulated crash: keeps feeding batches until one is left open
                if (state.rewindNeeded()) {
                    rewind(backlog);
                }
                admit(backlog);
                Duration pollTimeout = POLL_TIMEOUT;
                if (!backlog.isEmpty()) {
                    // Records wait for the batcher: wait for the inference thread to take a batch rather than
                    // for a fetch (the partitions may be paused); poll(0) below still collects a fetch that came
                    // and serves the group protocol (rebalances) meanwhile.
                    batcher.awaitSpace(POLL_TIMEOUT);
                    admit(backlog);
                    pollTimeout = Duration.ZERO;
                }
                ConsumerRecords<byte[], byte[]> records = consumer.poll(pollTimeout);
                if (!records.isEmpty()) {
                    long e = state.epoch();
                    ConsumerGroupMetadata group = consumer.groupMetadata();
                    long now = System.currentTimeMillis();
                    List<PendingImage> polled = new ArrayList<>(records.count());
                    for (ConsumerRecord<byte[], byte[]> r : records) {
                        polled.add(new PendingImage(new TopicPartition(r.topic(), r.partition()), r.offset(), r.key(),
                                r.value(), now, e, group));
                    }
                    // decoding starts now (on the decode threads) and runs while these wait for their batch
                    decoder.decode(polled);
                    backlog.addAll(polled);
                    admit(backlog);
                }
                applyBackpressure(backlog);
                if (System.nanoTime() > nextLagUpdate) {
                    metrics.lag(currentLag());
                    nextLagUpdate = System.nanoTime() + 1_000_000_000L;
                }
            }
        } catch (WakeupException e) {
            // closing
        } catch (Throwable t) {
            state.fail(t);
        } finally {
            if (!state.crashRequested()) {
                state.stop();
            }
            downstream.forEach(PollLoop::joinQuietly);
            state.stop();
            try {
                if (state.crashRequested()) {
                    consumer.close(CloseOptions.timeout(Duration.ZERO));
                } else {
                    // a static member stays in the group on close unless told to leave: leave, so the partitions
                    // move to the other workers now rather than after the session timeout
                    consumer.close(CloseOptions.timeout(Duration.ofSeconds(5))
                            .withGroupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP));
                }
            } catch (RuntimeException e) {
                LOG.debug("closing consumer", e);
            }
            state.threadStopped();
        }
    }

    private void admit(ArrayDeque<PendingImage> backlog) {
        while (!backlog.isEmpty() && batcher.offer(backlog.peekFirst())) {
            backlog.pollFirst();
        }
    }

    /**
     * Pauses fetching while a whole poll's worth of records waits outside the full batcher; resumes below that. The
     * next poll is fetched and decoding while the last one's records still wait, so the batch thread does not run
     * dry at each refill (a fetch round trip plus the first decode); at most two polls' worth wait at any time.
     */
    private void applyBackpressure(ArrayDeque<PendingImage> backlog) {
        Set<TopicPartition> paused = consumer.paused();
        if (backlog.size() >= decodeAhead) {
            Set<TopicPartition> toPause = new HashSet<>(consumer.assignment());
            toPause.removeAll(paused);
            if (!toPause.isEmpty()) {
                consumer.pause(toPause);
            }
        } else if (!paused.isEmpty()) {
            // less than a poll waits: fetch the next one now (the batcher refuses what does not fit)
            consumer.resume(paused);
        }
    }

    private long currentLag() {
        long lag = 0;
        for (TopicPartition tp : consumer.assignment()) {
            OptionalLong l = consumer.currentLag(tp);
            if (l.isPresent()) {
                lag += l.getAsLong();
            }
        }
        return lag;
    }

    /** After an aborted transaction: forget everything buffered and read again from the committed offsets. */
    private void rewind(ArrayDeque<PendingImage> backlog) {
        state.rewind(backlog, () -> seekToCommitted(consumer.assignment()));
        LOG.info("inference worker {} rewound to the committed offsets", config.workerId());
    }

    private void seekToCommitted(Set<TopicPartition> partitions) {
        if (partitions.isEmpty()) {
            return;
        }
        Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(partitions);
        List<TopicPartition> none = new ArrayList<>();
        for (TopicPartition tp : partitions) {
            OffsetAndMetadata o = committed.get(tp);
            if (o == null) {
                none.add(tp);
            } else {
                consumer.seek(tp, o);
            }
        }
        if (!none.isEmpty()) {
            consumer.seekToBeginning(none);
        }
    }

    private static void joinQuietly(Thread t) {
        if (t == null || t == Thread.currentThread()) {
            return;
        }
        try {
            t.join(30_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Waits for the batch in flight (so its offsets are committed by the owner) and drops everything buffered. */
    private final class Rebalance implements ConsumerRebalanceListener {
        private final ArrayDeque<PendingImage> backlog;

        Rebalance(ArrayDeque<PendingImage> backlog) {
            this.backlog = backlog;
        }

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> revoked) {
            if (revoked.isEmpty()) {
                return;
            }
            state.commitLock.lock();
            try {
                state.dropBuffered(backlog);
                Set<TopicPartition> kept = new HashSet<>(consumer.assignment());
                kept.removeAll(revoked);
                seekToCommitted(kept);
            } finally {
                state.commitLock.unlock();
            }
            LOG.info("inference worker {}: partitions revoked {}", config.workerId(), revoked);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> lost) {
            state.dropBuffered(backlog);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            LOG.info("inference worker {}: partitions assigned {}", config.workerId(), partitions);
            if (!partitions.isEmpty()) {
                assigned.countDown();
            }
        }
    }
}
