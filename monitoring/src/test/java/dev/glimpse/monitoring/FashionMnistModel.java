package dev.glimpse.monitoring;

import dev.glimpse.contracts.events.ClassScore;
import dev.glimpse.contracts.events.Prediction;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.zip.GZIPInputStream;

/**
 * A small real classifier on Fashion-MNIST for the shift test, fitted in the test: a 64-unit random ReLU feature
 * layer (the "penultimate-layer embedding") and a nearest-class-mean head whose softmax over negative squared
 * distances gives the probabilities. Not the ONNX inference worker: it stands in for it so the monitoring
 * test does not depend on another module, while embeddings and confidences come from real images.
 */
final class FashionMnistModel {

    static final Path DIR = Path.of("/usr/share/datasets/fashion-mnist");
    static final int PIXELS = 28 * 28;
    private static final int FEATURES = 64;

    private final float[][] weights = new float[FEATURES][PIXELS];
    private final float[] bias = new float[FEATURES];
    private final double[][] centroids = new double[10][FEATURES];
    private final double temperature;

    FashionMnistModel(byte[][] images, int[] labels, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        for (int f = 0; f < FEATURES; f++) {
            for (int p = 0; p < PIXELS; p++) {
                weights[f][p] = (float) (gaussian(random) / Math.sqrt(PIXELS));
            }
            bias[f] = (float) (0.1 * gaussian(random));
        }
        int[] counts = new int[10];
        for (int i = 0; i < images.length; i++) {
            float[] h = embed(images[i]);
            for (int f = 0; f < FEATURES; f++) {
                centroids[labels[i]][f] += h[f];
            }
            counts[labels[i]]++;
        }
        for (int c = 0; c < 10; c++) {
            for (int f = 0; f < FEATURES; f++) {
                centroids[c][f] /= Math.max(1, counts[c]);
            }
        }
        // Temperature = mean squared distance to the own centroid, so probabilities are neither flat nor one-hot.
        double d = 0;
        for (int i = 0; i < images.length; i++) {
            d += squaredDistance(embed(images[i]), centroids[labels[i]]);
        }
        temperature = d / images.length / 4;
    }

    float[] embed(byte[] image) {
        float[] h = new float[FEATURES];
        for (int f = 0; f < FEATURES; f++) {
            double s = bias[f];
            float[] w = weights[f];
            for (int p = 0; p < PIXELS; p++) {
                s += w[p] * ((image[p] & 0xff) / 255.0);
            }
            h[f] = (float) Math.max(0, s);
        }
        return h;
    }

    Prediction predict(String imageId, String version, byte[] image, int label) {
        float[] h = embed(image);
        double[] logits = new double[10];
        double max = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < 10; c++) {
            logits[c] = -squaredDistance(h, centroids[c]) / temperature;
            max = Math.max(max, logits[c]);
        }
        double sum = 0;
        double[] p = new double[10];
        for (int c = 0; c < 10; c++) {
            p[c] = Math.exp(logits[c] - max);
            sum += p[c];
        }
        int best = 0;
        for (int c = 1; c < 10; c++) {
            if (p[c] > p[best]) {
                best = c;
            }
        }
        Prediction.Builder b = Prediction.newBuilder().setImageId(imageId).setModelName("fashion")
                .setModelVersion(version).setLabel(label)
                .addTopK(ClassScore.newBuilder().setClassIndex(best).setProbability((float) (p[best] / sum))
                        .setLogit((float) logits[best]));
        for (float v : h) {
            b.addEmbedding(v);
        }
        return b.build();
    }

    int predictedClass(byte[] image) {
        return predict("x", "x", image, -1).getTopK(0).getClassIndex();
    }

    static byte[] invert(byte[] image) {
        byte[] out = new byte[image.length];
        for (int i = 0; i < image.length; i++) {
            out[i] = (byte) (255 - (image[i] & 0xff));
        }
        return out;
    }

    static byte[][] readImages(String file, int limit) throws IOException {
        try (DataInputStream in = open(file, 2051)) {
            int n = Math.min(limit, in.readInt());
            int rows = in.readInt();
            int cols = in.readInt();
            if (rows * cols != PIXELS) {
                throw new IOException(file + ": expected 28x28 images, got " + rows + "x" + cols);
            }
            byte[][] images = new byte[n][PIXELS];
            for (byte[] image : images) {
                in.readFully(image);
            }
            return images;
        }
    }

    static int[] readLabels(String file, int limit) throws IOException {
        try (DataInputStream in = open(file, 2049)) {
            int n = Math.min(limit, in.readInt());
            int[] labels = new int[n];
            for (int i = 0; i < n; i++) {
                labels[i] = in.readUnsignedByte();
            }
            return labels;
        }
    }

    private static DataInputStream open(String file, int magic) throws IOException {
        InputStream raw = Files.newInputStream(DIR.resolve(file));
        DataInputStream in = new DataInputStream(new GZIPInputStream(raw));
        int got = in.readInt();
        if (got != magic) {
            in.close();
            throw new IOException(file + ": IDX magic " + got + ", expected " + magic);
        }
        return in;
    }

    private static double squaredDistance(float[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            double d = a[i] - b[i];
            s += d * d;
        }
        return s;
    }

    private static double gaussian(SplittableRandom random) {
        return Math.sqrt(-2 * Math.log(1 - random.nextDouble())) * Math.cos(2 * Math.PI * random.nextDouble());
    }
}
