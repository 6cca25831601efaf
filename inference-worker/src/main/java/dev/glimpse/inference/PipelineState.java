package dev.glimpse.inference;

import java.util.ArrayDeque;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the poll, scoring and commit threads of one worker share: whether they run (and what stopped them), the
 * batcher between the poll and the scoring thread, the consumer epoch that outdates every image read before a rewind
 * or a rebalance, and the lock by which a rebalance waits for the open transaction's commit.
 */
final class PipelineState {

    private static final Logger LOG = LoggerFactory.getLogger(InferenceWorker.class); // the worker's log category

    final MicroBatcher<PendingImage> batcher;
    /**
     * Held while a transaction is open. Fair: a rebalance waiting for the open transaction gets the lock when it
     * commits, before the commit thread opens the next one with the batches that were scored meanwhile.
     */
    final ReentrantLock commitLock = new ReentrantLock(true);

    private final String workerId;
    private final Object stateLock = new Object();
    private volatile long epoch;
    private volatile boolean rewindNeeded;
    private volatile boolean running;
    private volatile boolean crashRequested;
    private volatile long crashDeadlineNanos;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final CountDownLatch stopped = new CountDownLatch(3);

    PipelineState(String workerId, MicroBatcher<PendingImage> batcher) {
        this.workerId = workerId;
        this.batcher = batcher;
    }

    // ---------------------------------------------------------------- running, crash, failure

    boolean running() {
        return running;
    }

    void start() {
        running = true;
    }

    void stop() {
        running = false;
    }

    /** The commit thread leaves the next transaction open and stops within 2 s; the clients close at once. */
    void requestCrash() {
        crashDeadlineNanos = System.nanoTime() + 2_000_000_000L;
        crashRequested = true;
    }

    boolean crashRequested() {
        return crashRequested;
    }

    boolean crashDeadlinePassed() {
        return crashRequested && System.nanoTime() > crashDeadlineNanos;
    }

    void fail(Throwable t) {
        if (failure.compareAndSet(null, t)) {
            LOG.error("inference worker {} stopped: {}", workerId, t.toString(), t);
        }
        running = false;
    }

    Throwable failure() {
        return failure.get();
    }

    /** Each of the three threads calls this once, last. */
    void threadStopped() {
        stopped.countDown();
    }

    boolean awaitThreadsStopped(long seconds) throws InterruptedException {
        return stopped.await(seconds, TimeUnit.SECONDS);
    }

    // ---------------------------------------------------------------- consumer epoch

    /** Images read in an older epoch are dropped: their offsets are read again by their next owner. */
    long epoch() {
        return epoch;
    }

    /** Set after an aborted transaction until the poll thread has gone back to the committed offsets. */
    boolean rewindNeeded() {
        return rewindNeeded;
    }

    /** After an aborted transaction: the poll thread is to rewind; what is batched is dropped now. */
    void requestRewind() {
        synchronized (stateLock) {
            rewindNeeded = true;
            batcher.clear();
        }
    }

    /** Poll thread: forgets everything buffered, seeks back to the committed offsets and starts the next epoch. */
    void rewind(ArrayDeque<PendingImage> backlog, Runnable seekToCommitted) {
        synchronized (stateLock) {
            backlog.clear();
            batcher.clear();
            seekToCommitted.run();
            epoch++;
            rewindNeeded = false;
        }
    }

    /** On a rebalance: forgets everything buffered and starts the next epoch. */
    void dropBuffered(ArrayDeque<PendingImage> backlog) {
        synchronized (stateLock) {
            backlog.clear();
            batcher.clear();
            epoch++;
        }
    }
}
