package dev.glimpse.runtime;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import java.awt.image.BufferedImage;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.List;

/**
 * Turns images into a model's input as its {@link ModelMetadata} says, equal to torchvision's
 * {@code Resize -> CenterCrop -> ToTensor -> Normalize} on a PIL image (docs/model-contract.md):
 * decode ({@link DecodedImage}: alpha dropped, palette looked up, EXIF orientation ignored), colour conversion as
 * PIL's {@code convert} (RGB to gray by fixed-point BT.601 luma; gray to RGB by replication), resize and crop or
 * letterbox as {@link Resizing} says with Pillow's antialiased bilinear filter ({@link PilBilinearResize}), then
 * {@code (x / scale - mean[c]) / std[c]} in float32, laid out CHW. Every entry point goes through
 * {@link #fromDecoded}. Thread-safe (stateless apart from the metadata).
 */
public final class Preprocessor {

    /**
     * Images larger than this are refused before allocating per-pixel arrays when they come from a file the user
     * names; images from a topic are held to the stage's {@link ImageLimits} (by default far smaller).
     */
    public static final long MAX_PIXELS = 40_000_000L;

    private final ModelMetadata metadata;
    private final int channels;
    private final int height;
    private final int width;
    /** Per channel, the normalised value of each 8-bit pixel value, computed as torchvision computes it. */
    private final float[][] normalised;

    public Preprocessor(ModelMetadata metadata) {
        this.metadata = metadata;
        this.channels = metadata.channels();
        this.height = metadata.height();
        this.width = metadata.width();
        float[] mean = metadata.mean();
        float[] std = metadata.std();
        float scale = metadata.scale();
        this.normalised = new float[channels][256];
        for (int c = 0; c < channels; c++) {
            for (int v = 0; v < 256; v++) {
                // ToTensor: byte.float().div(255); Normalize: sub_(mean).div_(std) -- all float32
                normalised[c][v] = ((float) v / scale - mean[c]) / std[c];
            }
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

    /** Where an image of this size lands in the model input (resize, crop or letterbox). */
    public InputGeometry geometry(int imageWidth, int imageHeight) {
        return metadata.resizing().geometry(imageWidth, imageHeight, width, height);
    }

    /**
     * Decodes PNG, JPEG, GIF or BMP bytes (whatever ImageIO reads) and preprocesses them.
     *
     * @throws PreprocessingException with reason {@code empty}, {@code undecodable}, {@code too-many-pixels} or
     *                                {@code wrong-channels} (CMYK)
     */
    public float[] fromEncoded(byte[] encoded) {
        return fromDecoded(DecodedImage.decode(encoded, MAX_PIXELS));
    }

    /**
     * Decodes encoded bytes within {@code limits} (checked from the header, before any pixel is decoded) and
     * preprocesses them: what a stage consuming a topic uses.
     *
     * @throws PreprocessingException with a dead-letter reason ({@link DecodedImage#decode(byte[], ImageLimits)})
     */
    public float[] fromEncoded(byte[] encoded, ImageLimits limits) {
        return fromDecoded(DecodedImage.decode(encoded, limits));
    }

    /** Preprocesses a decoded image. */
    public float[] fromImage(BufferedImage image) {
        DecodedImage.checkPixels(image.getWidth(), image.getHeight(), MAX_PIXELS);
        return fromDecoded(DecodedImage.of(image));
    }

    /**
     * Preprocesses raw 8-bit pixels, row-major, interleaved: 1 channel (gray), 3 (R,G,B) or 4 (R,G,B,A).
     *
     * @throws PreprocessingException with reason {@code wrong-channels} when the channel count or length is off
     */
    public float[] fromPixels(byte[] pixels, int width, int height, int pixelChannels) {
        DecodedImage.checkPixels(width, height, MAX_PIXELS);
        return fromDecoded(DecodedImage.ofPixels(pixels, width, height, pixelChannels));
    }

    /** The one preprocessing: colour conversion, resize + crop or letterbox, normalisation; CHW floats. */
    public float[] fromDecoded(DecodedImage image) {
        return normalise(modelPixels(image));
    }

    /**
     * The 8-bit image the model sees, before scaling and normalisation: colour conversion, resize + crop or letterbox
     * as {@link #fromDecoded}, CHW planar at the model size, padding = pixel value 0. {@link #normalise} of it is
     * exactly {@link #fromDecoded}; services that keep images as 8-bit pixels (training examples) store this.
     */
    public byte[] modelPixels(DecodedImage image) {
        DecodedImage.checkPixels(image.width(), image.height(), MAX_PIXELS);
        // a gray image for an RGB model is resized once and replicated: resizing is per channel
        DecodedImage source = channels == 1 ? image.toGray() : image;
        int sc = source.channels();
        InputGeometry g = geometry(source.width(), source.height());
        int x0 = Math.max(0, g.offsetX());
        int x1 = Math.min(g.resizedWidth(), g.offsetX() + width);
        int y0 = Math.max(0, g.offsetY());
        int y1 = Math.min(g.resizedHeight(), g.offsetY() + height);
        int ww = x1 - x0;
        byte[] window = PilBilinearResize.resize(source.pixelArray(), sc, source.width(), source.height(),
                g.resizedWidth(), g.resizedHeight(), x0, y0, ww, y1 - y0);
        // padding (letterbox, or a crop larger than the resized image) is pixel value 0, as torchvision pads
        byte[] out = new byte[sampleSize()];
        int plane = height * width;
        for (int c = 0; c < channels; c++) {
            int from = sc == 1 ? 0 : c;
            for (int y = y0; y < y1; y++) {
                int dst = c * plane + (y - g.offsetY()) * width + (x0 - g.offsetX());
                int src = (y - y0) * ww * sc + from;
                for (int x = 0; x < ww; x++) {
                    out[dst + x] = window[src + x * sc];
                }
            }
        }
        return out;
    }

    /**
     * Scales and normalises 8-bit CHW pixels already at the model size ({@link #modelPixels}):
     * {@code (x / scale - mean[c]) / std[c]} in float32, as torchvision's ToTensor and Normalize compute it.
     */
    public float[] normalise(byte[] chwPixels) {
        if (chwPixels.length != sampleSize()) {
            throw new IllegalArgumentException("pixels have " + chwPixels.length + " values, the model takes "
                    + channels + "x" + height + "x" + width + " = " + sampleSize());
        }
        float[] out = new float[chwPixels.length];
        int plane = height * width;
        for (int c = 0; c < channels; c++) {
            float[] lut = normalised[c];
            for (int i = c * plane; i < (c + 1) * plane; i++) {
                out[i] = lut[chwPixels[i] & 0xff];
            }
        }
        return out;
    }

    /** Packs preprocessed samples into one NCHW float tensor; the caller closes it. */
    public OnnxTensor batch(OrtEnvironment env, List<float[]> samples) throws OrtException {
        int size = sampleSize();
        // direct and in native order: ONNX Runtime reads it in place, where a heap buffer is copied into a direct one
        // first (a 224x224 batch of 32 is 19 MB allocated and copied twice otherwise)
        FloatBuffer buffer = ByteBuffer.allocateDirect(samples.size() * size * Float.BYTES).order(ByteOrder.nativeOrder())
                .asFloatBuffer();
        for (float[] s : samples) {
            if (s.length != size) {
                throw new IllegalArgumentException("sample has " + s.length + " floats, the model takes " + size);
            }
            buffer.put(s);
        }
        buffer.flip();
        return OnnxTensor.createTensor(env, buffer, batchShape(samples.size()));
    }
}
