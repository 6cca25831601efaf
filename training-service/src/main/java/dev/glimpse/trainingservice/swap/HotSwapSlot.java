package dev.glimpse.trainingservice.swap;

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
    private volatile M current;
    private volatile long swaps;

    /** @param initial the model serving now, or null when the first model has yet to be staged */
    public HotSwapSlot(M initial) {
        this.current = initial;
    }

    /** Offers the next model; a staged model not yet picked up by the batch thread is superseded and closed. */
    public void stage(M next) {
        M superseded = staged.getAndSet(next);
        closeQuietly(superseded);
    }

    /** Batch thread only: switches to the staged model if there is one, and returns the model for this batch. */
    public M forNextBatch() {
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
