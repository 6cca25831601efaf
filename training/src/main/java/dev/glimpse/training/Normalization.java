package dev.glimpse.training;

import java.util.Arrays;
import dev.glimpse.datasets.Dataset;
import dev.glimpse.datasets.LabeledImage;

/**
 * Per-channel input normalisation (x/255 - mean[c]) / std[c], the preprocessing recorded in the metadata of the
 * models {@code ./glimpse train} writes, applied to images already at the model's size.
 */
public record Normalization(float[] mean, float[] std) {

    public Normalization {
        if (mean.length != std.length || mean.length == 0) {
            throw new IllegalArgumentException("mean and std need the same, non-zero number of channels");
        }
        for (float s : std) {
            if (!(s > 0)) {
                throw new IllegalArgumentException("std must be > 0, got " + Arrays.toString(std));
            }
        }
    }

    /** Mean and std per channel measured on up to {@code sample} examples (evenly spaced) of the dataset. */
    public static Normalization measure(Dataset data, int sample) {
        int c = data.channels();
        double[] sum = new double[c];
        double[] sq = new double[c];
        long count = 0;
        int n = Math.min(sample, data.size());
        int stride = Math.max(1, data.size() / Math.max(1, n));
        int hw = data.height() * data.width();
        for (int i = 0, k = 0; i < data.size() && k < n; i += stride, k++) {
            byte[] px = data.get(i).pixels();
            for (int ch = 0; ch < c; ch++) {
                for (int j = 0; j < hw; j++) {
                    double v = (px[ch * hw + j] & 0xff) / 255.0;
                    sum[ch] += v;
                    sq[ch] += v * v;
                }
            }
            count += hw;
        }
        float[] mean = new float[c];
        float[] std = new float[c];
        for (int ch = 0; ch < c; ch++) {
            double m = sum[ch] / count;
            mean[ch] = round4(m);
            std[ch] = round4(Math.max(1e-3, Math.sqrt(Math.max(0, sq[ch] / count - m * m))));
        }
        return new Normalization(mean, std);
    }

    private static float round4(double v) {
        return (float) (Math.round(v * 1e4) / 1e4);
    }

    /** Writes the normalised image into {@code dst} at {@code offset}, without augmentation. */
    public void write(LabeledImage img, float[] dst, int offset) {
        write(img, dst, offset, 0, 0, false);
    }

    /** Writes the normalised image augmented as {@link Augmentation} says (shift with edge replication, mirror). */
    public void write(LabeledImage img, float[] dst, int offset, int dx, int dy, boolean flip) {
        Augmentation a = new Augmentation(dx, dy, flip);
        int h = img.height();
        int w = img.width();
        float[] plain = a.isNone() ? dst : new float[img.channels() * h * w];
        int at = a.isNone() ? offset : 0;
        byte[] px = img.pixels();
        for (int c = 0; c < img.channels(); c++) {
            float scale = 1f / (255f * std[c]);
            float bias = -mean[c] / std[c];
            int plane = c * h * w;
            for (int i = 0; i < h * w; i++) {
                plain[at + plane + i] = (px[plane + i] & 0xff) * scale + bias;
            }
        }
        if (!a.isNone()) {
            a.apply(plain, img.channels(), h, w, dst, offset);
        }
    }
}
