package dev.glimpse.runtime;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.util.List;
import javax.imageio.ImageIO;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * Turns images into a model's input as its {@link ModelMetadata} says: colour conversion (RGB to gray by
 * ITU-R BT.601 luma {@code 0.299 R + 0.587 G + 0.114 B}; gray to RGB by replication; alpha dropped), bilinear
 * resize to H x W (half-pixel centres, like {@code torch.nn.functional.interpolate(align_corners=False)}),
 * then {@code (x / 255 - mean[c]) / std[c]}, laid out CHW. Thread-safe (stateless apart from the metadata).
 */
public final class Preprocessor {

    /** Decoded images larger than this are refused before allocating per-pixel arrays. */
    public static final long MAX_PIXELS = 40_000_000L;

    private final ModelMetadata metadata;
    private final int channels;
    private final int height;
    private final int width;
    private final float[] scale;
    private final float[] offset;

    public Preprocessor(ModelMetadata metadata) {
        this.metadata = metadata;
        this.channels = metadata.channels();
        this.height = metadata.height();
        this.width = metadata.width();
        float[] mean = metadata.mean();
        float[] std = metadata.std();
        // (x/255 - mean)/std == x * scale + offset, folded once
        this.scale = new float[channels];
        this.offset = new float[channels];
        for (int c = 0; c < channels; c++) {
            scale[c] = 1f / (255f * std[c]);
            offset[c] = -mean[c] / std[c];
        }
    }

    public ModelMetadata metadata() {
        return metadata;
    }

    /** Floats per sample: C * H * W. */
    public int sampleSize() {
        return channels * height * width;
    }

    /** The NCHW shape of a batch of {@code n}. */
    public long[] batchShape(int n) {
        return new long[] {n, channels, height, width};
    }

    /**
     * Decodes PNG, JPEG, GIF or BMP bytes (whatever ImageIO reads) and preprocesses them.
     *
     * @throws PreprocessingException with reason {@code empty} or {@code undecodable}
     */
    public float[] fromEncoded(byte[] encoded) {
        if (encoded == null || encoded.length == 0) {
            throw new PreprocessingException("empty", "the image has no bytes");
        }
        BufferedImage image;
        try {
            // A memory-cached stream: ImageIO.read(InputStream) would buffer through a temporary file per image.
            image = ImageIO.read(new MemoryCacheImageInputStream(new ByteArrayInputStream(encoded)));
        } catch (IOException | RuntimeException e) {
            throw new PreprocessingException("undecodable", "the image could not be decoded: " + e.getMessage(), e);
        }
        if (image == null) {
            throw new PreprocessingException("undecodable", "no image reader recognises these " + encoded.length + " bytes");
        }
        return fromImage(image);
    }

    /** Preprocesses a decoded image. */
    public float[] fromImage(BufferedImage image) {
        int w = image.getWidth();
        int h = image.getHeight();
        checkPixels(w, h);
        ColorModel cm = image.getColorModel();
        boolean gray = cm.getColorSpace().getType() == ColorSpace.TYPE_GRAY && !(cm instanceof IndexColorModel);
        float[] hwc = new float[w * h * channels];
        if (gray) {
            // read the raster: getRGB would push linear gray through a gamma conversion
            Raster raster = image.getRaster();
            float toByte = 255f / ((1 << cm.getComponentSize(0)) - 1);
            int[] row = new int[w];
            for (int y = 0; y < h; y++) {
                raster.getSamples(0, y, w, 1, 0, row);
                for (int x = 0; x < w; x++) {
                    float v = row[x] * toByte;
                    int i = (y * w + x) * channels;
                    for (int c = 0; c < channels; c++) {
                        hwc[i + c] = v;
                    }
                }
            }
        } else {
            int[] row = new int[w];
            for (int y = 0; y < h; y++) {
                image.getRGB(0, y, w, 1, row, 0, w);
                for (int x = 0; x < w; x++) {
                    putRgb(hwc, (y * w + x) * channels, (row[x] >> 16) & 0xff, (row[x] >> 8) & 0xff, row[x] & 0xff);
                }
            }
        }
        return finish(hwc, w, h);
    }

    /**
     * Preprocesses raw 8-bit pixels, row-major, interleaved: 1 channel (gray), 3 (R,G,B) or 4 (R,G,B,A).
     *
     * @throws PreprocessingException with reason {@code wrong-channels} when the channel count or length is off
     */
    public float[] fromPixels(byte[] pixels, int width, int height, int pixelChannels) {
        checkPixels(width, height);
        if (pixelChannels != 1 && pixelChannels != 3 && pixelChannels != 4) {
            throw new PreprocessingException("wrong-channels", "pixels must have 1, 3 or 4 channels, got " + pixelChannels);
        }
        if ((long) width * height * pixelChannels != pixels.length) {
            throw new PreprocessingException("wrong-channels", "expected " + width + "x" + height + "x" + pixelChannels
                    + " = " + ((long) width * height * pixelChannels) + " bytes, got " + pixels.length);
        }
        float[] hwc = new float[width * height * channels];
        for (int p = 0; p < width * height; p++) {
            int s = p * pixelChannels;
            if (pixelChannels == 1) {
                for (int c = 0; c < channels; c++) {
                    hwc[p * channels + c] = pixels[s] & 0xff;
                }
            } else {
                putRgb(hwc, p * channels, pixels[s] & 0xff, pixels[s + 1] & 0xff, pixels[s + 2] & 0xff);
            }
        }
        return finish(hwc, width, height);
    }

    /** Packs preprocessed samples into one NCHW float tensor; the caller closes it. */
    public OnnxTensor batch(OrtEnvironment env, List<float[]> samples) throws OrtException {
        int size = sampleSize();
        FloatBuffer buffer = FloatBuffer.allocate(samples.size() * size);
        for (float[] s : samples) {
            if (s.length != size) {
                throw new IllegalArgumentException("sample has " + s.length + " floats, the model takes " + size);
            }
            buffer.put(s);
        }
        buffer.flip();
        return OnnxTensor.createTensor(env, buffer, batchShape(samples.size()));
    }

    private void putRgb(float[] hwc, int i, int r, int g, int b) {
        if (channels == 1) {
            hwc[i] = 0.299f * r + 0.587f * g + 0.114f * b;
        } else {
            hwc[i] = r;
            hwc[i + 1] = g;
            hwc[i + 2] = b;
        }
    }

    private static void checkPixels(int w, int h) {
        if (w <= 0 || h <= 0) {
            throw new PreprocessingException("undecodable", "image has no pixels (" + w + "x" + h + ")");
        }
        if ((long) w * h > MAX_PIXELS) {
            throw new PreprocessingException("too-many-pixels", "image is " + w + "x" + h + ", over " + MAX_PIXELS + " pixels");
        }
    }

    /** Resizes HWC (values 0..255) to the model size and normalises into CHW. */
    private float[] finish(float[] hwc, int srcW, int srcH) {
        float[] out = new float[sampleSize()];
        int plane = height * width;
        if (srcW == width && srcH == height) {
            for (int p = 0; p < plane; p++) {
                for (int c = 0; c < channels; c++) {
                    out[c * plane + p] = hwc[p * channels + c] * scale[c] + offset[c];
                }
            }
            return out;
        }
        float sy = (float) srcH / height;
        float sx = (float) srcW / width;
        for (int y = 0; y < height; y++) {
            float fy = Math.max(0f, (y + 0.5f) * sy - 0.5f);
            int y0 = Math.min((int) fy, srcH - 1);
            int y1 = Math.min(y0 + 1, srcH - 1);
            float wy = Math.min(fy - y0, 1f);
            for (int x = 0; x < width; x++) {
                float fx = Math.max(0f, (x + 0.5f) * sx - 0.5f);
                int x0 = Math.min((int) fx, srcW - 1);
                int x1 = Math.min(x0 + 1, srcW - 1);
                float wx = Math.min(fx - x0, 1f);
                for (int c = 0; c < channels; c++) {
                    float top = hwc[(y0 * srcW + x0) * channels + c] * (1 - wx) + hwc[(y0 * srcW + x1) * channels + c] * wx;
                    float bottom = hwc[(y1 * srcW + x0) * channels + c] * (1 - wx) + hwc[(y1 * srcW + x1) * channels + c] * wx;
                    out[c * plane + y * width + x] = (top * (1 - wy) + bottom * wy) * scale[c] + offset[c];
                }
            }
        }
        return out;
    }
}
