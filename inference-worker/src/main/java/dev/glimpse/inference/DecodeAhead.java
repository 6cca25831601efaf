package dev.glimpse.inference;

/**
 * How many consumed images the worker decodes ahead of its batches: {@code inference.max.poll.records} for small
 * inputs, but no more than {@link #BUDGET_BYTES} of preprocessed floats, and never fewer than two batches (the next
 * batch is ready when ONNX Runtime finishes the current one). A decoded 224x224 RGB image is 602 kB of floats: 256
 * polled plus 256 waiting were 300 MB kept alive across young collections, copied by each (seen in {@code bench pipeline
 * --image-size 224 --cpu}: GC 3150 µs per image against 50 µs in the raw loop); a 28x28 image is 3 kB and keeps the
 * full poll.
 */
final class DecodeAhead {

    /** Preprocessed input held ahead of the batches, at most (one poll's worth; as much may wait besides). */
    static final long BUDGET_BYTES = 32L << 20;

    private DecodeAhead() {
    }

    /**
     * @param maxPollRecords the configured records per poll
     * @param maxBatchSize   images per ONNX Runtime call
     * @param sampleFloats   floats of one preprocessed image (C x H x W)
     * @return records per poll, which is also the backlog at which the worker pauses fetching
     */
    static int records(int maxPollRecords, int maxBatchSize, long sampleFloats) {
        long byBudget = BUDGET_BYTES / Math.max(1, sampleFloats * Float.BYTES);
        return (int) Math.min(maxPollRecords, Math.max(2L * maxBatchSize, byBudget));
    }
}
