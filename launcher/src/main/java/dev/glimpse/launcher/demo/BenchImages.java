package dev.glimpse.launcher.demo;

import com.google.protobuf.ByteString;
import dev.glimpse.contracts.events.ImageEvent;
import dev.glimpse.datasets.Dataset;
import dev.glimpse.datasets.Datasets;
import dev.glimpse.datasets.FashionMnist;
import dev.glimpse.datasets.LabeledImage;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;

/** Encoded test images of a dataset as ImageEvents (PNG, with labels), for benchmarks. */
public final class BenchImages {

    private BenchImages() {
    }

    /**
     * The first {@code n} test images of {@code dataset} as RGB JPEGs of {@code size} x {@code size} pixels (scaled
     * bilinearly, quality 0.75 as ImageIO writes by default): the input of a 224-px model as cameras and uploads send it.
     */
    public static List<ImageEvent> jpegEvents(String dataset, int n, String prefix, int size) throws IOException {
        List<ImageEvent> png = events(dataset, Math.min(n, 500), prefix);
        List<byte[]> jpegs = new ArrayList<>(png.size());
        for (ImageEvent e : png) {
            BufferedImage source = ImageIO.read(new ByteArrayInputStream(e.getData().toByteArray()));
            BufferedImage rgb = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
            Graphics2D g = rgb.createGraphics();
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
            g.drawImage(source, 0, 0, size, size, null);
            g.dispose();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            if (!ImageIO.write(rgb, "jpg", out)) {
                throw new IOException("no JPEG writer in this JVM");
            }
            jpegs.add(out.toByteArray());
        }
        List<ImageEvent> events = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            ImageEvent e = png.get(i % png.size());
            events.add(e.toBuilder().setImageId(prefix + i).setData(ByteString.copyFrom(jpegs.get(i % jpegs.size())))
                    .setContentType("image/jpeg").setWidth(size).setHeight(size).setChannels(3).build());
        }
        return events;
    }

    /** The first {@code n} test images of {@code dataset} (cycling when it has fewer), ids {@code <prefix><i>}. */
    public static List<ImageEvent> events(String dataset, int n, String prefix) throws IOException {
        String spec = dataset.equals("fashion-mnist") && !FashionMnist.isAvailable() ? "shapes" : dataset;
        Dataset test = Datasets.open(spec).test();
        List<ImageEvent> events = new ArrayList<>(n);
        int distinct = Math.min(n, test.size());
        List<byte[]> pngs = new ArrayList<>(distinct);
        List<Integer> labels = new ArrayList<>(distinct);
        for (int i = 0; i < distinct; i++) {
            LabeledImage img = test.get(i);
            pngs.add(img.toPng());
            labels.add(img.label());
        }
        for (int i = 0; i < n; i++) {
            int k = i % distinct;
            events.add(ImageEvent.newBuilder().setImageId(prefix + i).setData(ByteString.copyFrom(pngs.get(k)))
                    .setContentType("image/png").setWidth(test.width()).setHeight(test.height())
                    .setChannels(test.channels()).setSource("bench:" + spec).setLabel(labels.get(k)).build());
        }
        return events;
    }
}
