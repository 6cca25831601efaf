package dev.glimpse.launcher.demo;

import com.google.protobuf.ByteString;
import dev.glimpse.contracts.events.ImageEvent;
import dev.glimpse.datasets.Dataset;
import dev.glimpse.datasets.Datasets;
import dev.glimpse.datasets.FashionMnist;
import dev.glimpse.datasets.LabeledImage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** Encoded test images of a dataset as ImageEvents (PNG, with labels), for benchmarks. */
public final class BenchImages {

    private BenchImages() {
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
