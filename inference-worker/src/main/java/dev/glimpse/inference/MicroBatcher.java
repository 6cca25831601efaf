package dev.glimpse.inference;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

/**
 * A bounded FIFO that hands out batches: a batch is ready when {@code maxBatchSize} items wait, or when the oldest
 * item has waited {@code maxWait}. Items leave in arrival order, so per-partition offsets of what was handed out
 * always form a prefix (what makes committing "up to the last item of the batch" correct).
 * <p>
 * The queue holds at most {@code capacity} items; {@link #offer} refuses more and the caller applies backpressure
 * (the worker pauses its partitions). With {@code capacity <= maxBatchSize}, an item is held at most
 * {@code maxWait} plus the time the consumer spends on the batch before it: when that batch ends, the item is
 * either part of a full batch or already past its wait.
 */
public final class MicroBatcher<T> {

    /** An item with the time it entered the batcher. */
    private record Entry<T>(T item, long enqueuedNanos) {
    }

    private final int maxBatchSize;
    private final long maxWaitNanos;
    private final int capacity;
    private final LongSupplier nanoTime;
    private final ArrayDeque<Entry<T>> queue = new ArrayDeque<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();

    public MicroBatcher(int maxBatchSize, Duration maxWait, int capacity) {
        this(maxBatchSize, maxWait, capacity, System::nanoTime);
    }

    MicroBatcher(int maxBatchSize, Duration maxWait, int capacity, LongSupplier nanoTime) {
        if (maxBatchSize < 1) {
            throw new IllegalArgumentException("maxBatchSize must be >= 1, got " + maxBatchSize);
        }
        if (maxWait.isNegative()) {
            throw new IllegalArgumentException("maxWait must be >= 0, got " + maxWait);
        }
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be >= 1, got " + capacity);
        }
        this.maxBatchSize = maxBatchSize;
        this.maxWaitNanos = maxWait.toNanos();
        this.capacity = capacity;
        this.nanoTime = nanoTime;
    }

    /** Adds an item unless the batcher is full. */
    public boolean offer(T item) {
        lock.lock();
        try {
            if (queue.size() >= capacity) {
                return false;
            }
            queue.addLast(new Entry<>(item, nanoTime.getAsLong()));
            if (queue.size() >= maxBatchSize || queue.size() == 1) {
                changed.signalAll();
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits until a batch is ready (full, or its oldest item has waited {@code maxWait}) and returns it, or returns
     * an empty list when {@code timeout} passes first or the thread is interrupted.
     */
    public List<T> nextBatch(Duration timeout) {
        long deadline = nanoTime.getAsLong() + timeout.toNanos();
        lock.lock();
        try {
            while (true) {
                long now = nanoTime.getAsLong();
                if (queue.size() >= maxBatchSize
                        || (!queue.isEmpty() && now - queue.peekFirst().enqueuedNanos() >= maxWaitNanos)) {
                    return take();
                }
                long wait = queue.isEmpty() ? deadline - now
                        : Math.min(deadline - now, queue.peekFirst().enqueuedNanos() + maxWaitNanos - now);
                if (deadline - now <= 0) {
                    return List.of();
                }
                try {
                    changed.await(Math.max(wait, 1), TimeUnit.NANOSECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return List.of();
                }
            }
        } finally {
            lock.unlock();
        }
    }

    private List<T> take() {
        int n = Math.min(maxBatchSize, queue.size());
        List<T> batch = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            batch.add(queue.pollFirst().item());
        }
        changed.signalAll();
        return batch;
    }

    /** Waits until the batcher has room for one more item, or the timeout passes; true when there is room. */
    public boolean awaitSpace(Duration timeout) {
        long deadline = nanoTime.getAsLong() + timeout.toNanos();
        lock.lock();
        try {
            while (queue.size() >= capacity) {
                long left = deadline - nanoTime.getAsLong();
                if (left <= 0) {
                    return false;
                }
                try {
                    changed.await(left, TimeUnit.NANOSECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Drops every waiting item (after a rebalance or an aborted transaction the consumer re-reads them). */
    public void clear() {
        lock.lock();
        try {
            queue.clear();
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    public int size() {
        lock.lock();
        try {
            return queue.size();
        } finally {
            lock.unlock();
        }
    }

    public int capacity() {
        return capacity;
    }

    public int maxBatchSize() {
        return maxBatchSize;
    }

    public Duration maxWait() {
        return Duration.ofNanos(maxWaitNanos);
    }
}
