package dev.glimpse.inference;

import com.google.protobuf.ByteString;
import dev.glimpse.contracts.events.ImageEvent;
import dev.glimpse.datasets.Dataset;
import dev.glimpse.datasets.FashionMnist;
import dev.glimpse.datasets.LabeledImage;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;

/** Image events for the worker tests: Fashion-MNIST test images when installed, random 28x28 gray PNGs otherwise. */
final class TestImages {

    private TestImages() {
    }

    static List<ImageEvent> events(String idPrefix, int n) {
        List<ImageEvent> events = new ArrayList<>(n);
        Dataset fashion = null;
        if (FashionMnist.isAvailable()) {
            try {
                fashion = FashionMnist.loadPart(FashionMnist.DEFAULT_DIR, "t10k");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        Random rng = new Random(42);
        for (int i = 0; i < n; i++) {
            byte[] png;
            int label;
            if (fashion != null) {
                LabeledImage img = fashion.get(i % fashion.size());
                png = img.toPng();
                label = img.label();
            } else {
                png = randomPng(rng);
                label = -1;
            }
            events.add(event(idPrefix + i, png, label));
        }
        return events;
    }

    static ImageEvent event(String id, byte[] data, int label) {
        return ImageEvent.newBuilder().setImageId(id).setData(ByteString.copyFrom(data)).setContentType("image/png")
                .setWidth(28).setHeight(28).setChannels(1).setSource("test").setLabel(label)
                .setIngestedAtMs(System.currentTimeMillis()).build();
    }

    static byte[] randomPng(Random rng) {
        BufferedImage img = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < 28; y++) {
            for (int x = 0; x < 28; x++) {
                img.getRaster().setSample(x, y, 0, rng.nextInt(256));
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(img, "png", out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
