package dev.glimpse.training;

/**
 * The random change applied to one training sample: a shift by (dx, dy) pixels (content moves right/down for
 * positive values, uncovered pixels repeat the nearest edge) and an optional left-right mirror.
 */
public record Augmentation(int dx, int dy, boolean flip) {

    public static final Augmentation NONE = new Augmentation(0, 0, false);

    public boolean isNone() {
        return dx == 0 && dy == 0 && !flip;
    }

    /** Writes {@code src} (C x H x W, planar) augmented into {@code dst} at {@code offset}. */
    public void apply(float[] src, int channels, int height, int width, float[] dst, int offset) {
        if (isNone()) {
            System.arraycopy(src, 0, dst, offset, channels * height * width);
            return;
        }
        for (int c = 0; c < channels; c++) {
            int plane = c * height * width;
            for (int y = 0; y < height; y++) {
                int row = plane + Math.min(height - 1, Math.max(0, y - dy)) * width;
                int out = offset + plane + y * width;
                for (int x = 0; x < width; x++) {
                    dst[out + x] = src[row + Math.min(width - 1, Math.max(0, (flip ? width - 1 - x : x) - dx))];
                }
            }
        }
    }
}
