package dev.glimpse.registry.swap;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The serving model of one batch loop, switched only between batches: any thread may {@link #stage} a verified
 * model; the batch thread calls {@link #forNextBatch()} once at the start of every batch and uses the returned model
 * for the whole batch. So a batch is answered by exactly one model, and the old model is closed by the batch thread
 * itself after its last batch finished — never while a batch runs on it.
 *
 * <p>Only for a single batch thread per slot (one slot per thread if a worker runs several).
 */
public final class HotSwapSlot<M extends AutoCloseable> implements AutoCloseable {

    private final AtomicReference<M> staged = new AtomicReference<>();
    private final AtomicBoolean retire = new AtomicBoolean();
    private volatile M current;
    private volatile long swaps;

    /** @param initial the model serving now, or null when the first model has yet to be staged */
    public HotSwapSlot(M initial) {
        this.current = initial;
    }

    /** Offers the next model; a staged model not yet picked up by the batch thread is superseded and closed. */
    public void stage(M next) {
        if (next == null) {
            throw new IllegalArgumentException("stage a model; use retire() to empty the slot");
        }
        retire.set(false);
        M superseded = staged.getAndSet(next);
        closeQuietly(superseded);
    }

    /** Empties the slot at the next batch (e.g. a shadow model is stopped); a staged model is dropped. */
    public void retire() {
        closeQuietly(staged.getAndSet(null));
        retire.set(true);
    }

    /**
     * Batch thread only: switches to the staged model if there is one, and returns the model for this batch (null
     * when the slot is empty: no model yet, or retired).
     */
    public M forNextBatch() {
        if (retire.compareAndSet(true, false) && staged.get() == null) {
            M old = current;
            current = null;
            closeQuietly(old);
            return null;
        }
        M next = staged.getAndSet(null);
        if (next != null) {
            M old = current;
            current = next;
            swaps++;
            closeQuietly(old);
        }
        return current;
    }

    /** The model the last batch used (for metrics; do not run it from another thread). */
    public M current() {
        return current;
    }

    public long swaps() {
        return swaps;
    }

    public boolean hasStaged() {
        return staged.get() != null;
    }

    @Override
    public void close() {
        closeQuietly(staged.getAndSet(null));
        closeQuietly(current);
        current = null;
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception e) {
            // closing a model we no longer serve must not stop the batch loop
        }
    }
}
