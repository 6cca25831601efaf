package dev.glimpse.inference;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/** Scored batches on their way from the scoring thread to the commit thread, in batch order. */
final class ScoredBatchQueue {

    /** Batches scored ahead of the commit thread: enough to keep ONNX Runtime busy through a commit's round trips. */
    private static final int CAPACITY = 64;

    private final BlockingQueue<ScoredBatch> scored = new ArrayBlockingQueue<>(CAPACITY);
    private final MicroBatcher<PendingImage> batcher;
    /** Set by the scoring thread from taking a batch until it handed it to the commit thread. */
    private volatile boolean scoring;

    ScoredBatchQueue(MicroBatcher<PendingImage> batcher) {
        this.batcher = batcher;
    }

    void scoring(boolean scoring) {
        this.scoring = scoring;
    }

    boolean offer(ScoredBatch batch, long timeout, TimeUnit unit) throws InterruptedException {
        return scored.offer(batch, timeout, unit);
    }

    ScoredBatch poll(long timeoutNanos) throws InterruptedException {
        return scored.poll(timeoutNanos, TimeUnit.NANOSECONDS);
    }

    /**
     * Whether another batch will reach the commit thread without waiting for images to arrive: one is scored and
     * waiting, or being scored, or a full one waits in the batcher. When not, the stream has caught up and the open
     * transaction commits now (low latency under light load); under a backlog it keeps collecting batches until
     * the commit interval, so that the commit's round trips are shared by many batches.
     */
    boolean batchImminent() {
        return !scored.isEmpty() || scoring || batcher.size() >= batcher.maxBatchSize();
    }
}
