package dev.glimpse.datasets;

import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;

/**
 * One labeled image: unsigned 8-bit pixels in planar CHW order (channel-major, as ONNX NCHW wants them),
 * a class index, and optionally the ground-truth object mask (H*W, 1 = object).
 *
 * <p>Arrays are not copied on construction (datasets hold tens of thousands of these); treat them as
 * read-only.
 */
public record LabeledImage(String id, int channels, int height, int width, byte[] pixels, int label, byte[] mask) {

    public LabeledImage {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(pixels, "pixels");
        if (channels != 1 && channels != 3) {
            throw new IllegalArgumentException("channels must be 1 (gray) or 3 (rgb), got " + channels);
        }
        if (height <= 0 || width <= 0) {
            throw new IllegalArgumentException("image size must be positive, got " + height + "x" + width);
        }
        if (pixels.length != channels * height * width) {
            throw new IllegalArgumentException("pixels has " + pixels.length + " values, expected "
                    + channels + "x" + height + "x" + width + " = " + channels * height * width);
        }
        if (mask != null && mask.length != height * width) {
            throw new IllegalArgumentException("mask has " + mask.length + " values, expected " + height * width);
        }
        if (label < 0) {
            throw new IllegalArgumentException("label must be >= 0, got " + label);
        }
    }

    public LabeledImage(String id, int channels, int height, int width, byte[] pixels, int label) {
        this(id, channels, height, width, pixels, label, null);
    }

    /** Pixel value 0..255 at (c, y, x). */
    public int pixel(int c, int y, int x) {
        return pixels[(c * height + y) * width + x] & 0xff;
    }

    /** Pixels scaled to [0, 1], CHW. */
    public float[] toFloats() {
        float[] out = new float[pixels.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = (pixels[i] & 0xff) / 255f;
        }
        return out;
    }

    public Optional<byte[]> maskIfPresent() {
        return Optional.ofNullable(mask);
    }

    public boolean hasMask() {
        return mask != null;
    }

    /** Number of mask pixels set (0 when there is no mask). */
    public int maskArea() {
        if (mask == null) {
            return 0;
        }
        int n = 0;
        for (byte b : mask) {
            n += b != 0 ? 1 : 0;
        }
        return n;
    }

    /** The image encoded as PNG (gray or RGB), e.g. for replay into the pipeline. */
    public byte[] toPng() {
        return PngCodec.encode(this);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LabeledImage other && id.equals(other.id) && channels == other.channels
                && height == other.height && width == other.width && label == other.label
                && Arrays.equals(pixels, other.pixels) && Arrays.equals(mask, other.mask);
    }

    @Override
    public int hashCode() {
        return Objects.hash(id, channels, height, width, label, Arrays.hashCode(pixels), Arrays.hashCode(mask));
    }

    @Override
    public String toString() {
        return "LabeledImage[" + id + ", " + channels + "x" + height + "x" + width + ", label=" + label
                + (mask != null ? ", mask=" + maskArea() + "px" : "") + "]";
    }
}
