package dev.glimpse.trainingservice;

import dev.glimpse.contracts.events.TrainingExample;
import dev.glimpse.datasets.LabeledImage;
import dev.glimpse.datasets.PngCodec;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import javax.imageio.ImageIO;

/** Decodes a training example's image bytes to the model's input shape (channels, height, width) as 8-bit pixels. */
public final class ExampleDecoder {
    private final int channels;
    private final int height;
    private final int width;

    public ExampleDecoder(int channels, int height, int width) {
        if (channels != 1 && channels != 3) {
            throw new IllegalArgumentException("channels must be 1 or 3, got " + channels);
        }
        this.channels = channels;
        this.height = height;
        this.width = width;
    }

    /** @throws IllegalArgumentException when the bytes are not a decodable image */
    public LabeledImage decode(TrainingExample example) {
        byte[] bytes = example.getImage().getData().toByteArray();
        BufferedImage img;
        try {
            img = ImageIO.read(new ByteArrayInputStream(bytes));
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot decode image " + example.getImageId() + ": " + e.getMessage(), e);
        }
        if (img == null) {
            throw new IllegalArgumentException("image " + example.getImageId() + " is not in a format ImageIO reads");
        }
        if (img.getWidth() != width || img.getHeight() != height) {
            BufferedImage scaled = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
            Graphics2D g = scaled.createGraphics();
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
            g.drawImage(img, 0, 0, width, height, null);
            g.dispose();
            img = scaled;
        }
        return PngCodec.fromBufferedImage(example.getImageId(), img, channels, example.getLabel().getLabel());
    }
}
