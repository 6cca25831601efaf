package dev.glimpse.datasets;

import java.awt.image.BufferedImage;
import java.awt.image.WritableRaster;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import javax.imageio.ImageIO;

/** PNG encoding of {@link LabeledImage}s (and masks) through ImageIO, and decoding back to CHW bytes. */
public final class PngCodec {

    private PngCodec() {
    }

    public static byte[] encode(LabeledImage image) {
        return write(toBufferedImage(image));
    }

    /** The object mask as a gray PNG (object = 255). */
    public static byte[] encodeMask(LabeledImage image) {
        if (image.mask() == null) {
            throw new IllegalArgumentException("image " + image.id() + " has no mask");
        }
        BufferedImage out = new BufferedImage(image.width(), image.height(), BufferedImage.TYPE_BYTE_GRAY);
        WritableRaster r = out.getRaster();
        for (int y = 0; y < image.height(); y++) {
            for (int x = 0; x < image.width(); x++) {
                r.setSample(x, y, 0, image.mask()[y * image.width() + x] != 0 ? 255 : 0);
            }
        }
        return write(out);
    }

    public static BufferedImage toBufferedImage(LabeledImage image) {
        int h = image.height();
        int w = image.width();
        BufferedImage out = new BufferedImage(w, h,
                image.channels() == 1 ? BufferedImage.TYPE_BYTE_GRAY : BufferedImage.TYPE_3BYTE_BGR);
        WritableRaster r = out.getRaster();
        for (int c = 0; c < image.channels(); c++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    r.setSample(x, y, c, image.pixel(c, y, x));
                }
            }
        }
        return out;
    }

    /**
     * Decodes PNG/JPEG bytes to CHW unsigned bytes with the requested number of channels (1 = luma of the
     * image, 3 = RGB).
     */
    public static LabeledImage decode(String id, byte[] bytes, int channels, int label) {
        BufferedImage img;
        try {
            img = ImageIO.read(new ByteArrayInputStream(bytes));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot decode image " + id, e);
        }
        if (img == null) {
            throw new IllegalArgumentException("image " + id + " is not in a format ImageIO can read");
        }
        return fromBufferedImage(id, img, channels, label);
    }

    public static LabeledImage fromBufferedImage(String id, BufferedImage img, int channels, int label) {
        int h = img.getHeight();
        int w = img.getWidth();
        byte[] px = new byte[channels * h * w];
        boolean gray = img.getType() == BufferedImage.TYPE_BYTE_GRAY;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                if (gray && channels == 1) {
                    px[y * w + x] = (byte) img.getRaster().getSample(x, y, 0);
                    continue;
                }
                int rgb = img.getRGB(x, y);
                int r = (rgb >> 16) & 0xff;
                int g = (rgb >> 8) & 0xff;
                int b = rgb & 0xff;
                if (channels == 1) {
                    px[y * w + x] = (byte) Math.round(0.299 * r + 0.587 * g + 0.114 * b);
                } else {
                    px[y * w + x] = (byte) r;
                    px[(h + y) * w + x] = (byte) g;
                    px[(2 * h + y) * w + x] = (byte) b;
                }
            }
        }
        return new LabeledImage(id, channels, h, w, px, label);
    }

    private static byte[] write(BufferedImage img) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(img, "png", bytes)) {
                throw new IllegalStateException("no PNG writer available in ImageIO");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }
}
