package dev.glimpse.datasets;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Deterministic rendered RGB scenes: one coloured shape (circle, square, triangle, cross, ring, ...) on a coloured
 * textured background (two-colour gradient, stripes at any angle, checkerboard or soft blobs) with pixel noise, and
 * the ground-truth mask of the object for the pointing game. Unlike {@link ShapesGenerator}, colour and texture carry
 * no class information, so a classifier has to look at the outline.
 *
 * <p>Example {@code i} depends only on (size, classes, seed, i): any example can be rendered alone, in any order.
 */
public final class ScenesGenerator {

    /** Default scene side in pixels. */
    public static final int DEFAULT_SIZE = 64;
    /** Default number of classes: the first five {@link ShapeKind}s. */
    public static final int DEFAULT_CLASSES = 5;

    private final int size;
    private final int classes;
    private final long seed;
    private final List<String> classNames;

    public ScenesGenerator(int size, int classes, long seed) {
        if (size < 16 || size > 1024) {
            throw new IllegalArgumentException("scenes size must be in [16, 1024], got " + size);
        }
        if (classes < 2 || classes > ShapeKind.values().length) {
            throw new IllegalArgumentException("scenes classes must be in [2, " + ShapeKind.values().length + "], got " + classes);
        }
        this.size = size;
        this.classes = classes;
        this.seed = seed;
        List<String> names = new ArrayList<>();
        for (int k = 0; k < classes; k++) {
            names.add(ShapeKind.values()[k].label());
        }
        this.classNames = List.copyOf(names);
    }

    public int size() {
        return size;
    }

    public long seed() {
        return seed;
    }

    public List<String> classNames() {
        return classNames;
    }

    /** The object of example {@code index}: kind, centre, radius, rotation (its mask is {@code covers}). */
    public ShapesGenerator.Geometry geometry(long index) {
        return geometry(random(index));
    }

    private ShapesGenerator.Geometry geometry(SplittableRandom rng) {
        ShapeKind kind = ShapeKind.values()[rng.nextInt(classes)];
        double radius = size * (0.14 + 0.18 * rng.nextDouble());
        double margin = radius + 1;
        double cx = margin + rng.nextDouble() * (size - 2 * margin);
        double cy = margin + rng.nextDouble() * (size - 2 * margin);
        double rotation = kind.rotates() ? (rng.nextDouble() * 2 - 1) * kind.maxRotation() : 0;
        return new ShapesGenerator.Geometry(kind, cx, cy, radius, rotation);
    }

    public LabeledImage generate(long index) {
        if (index < 0) {
            throw new IllegalArgumentException("index must be >= 0, got " + index);
        }
        SplittableRandom rng = random(index);
        ShapesGenerator.Geometry g = geometry(rng);
        double[] colourA = randomColour(rng);
        // the texture's second colour stays near the first: a busy background, but one a shape stands out from
        double[] colourB = new double[3];
        for (int c = 0; c < 3; c++) {
            colourB[c] = clamp(colourA[c] + (rng.nextDouble() - 0.5) * 0.6);
        }
        double[] object = objectColour(rng, colourA, colourB);
        Texture texture = Texture.values()[rng.nextInt(Texture.values().length)];
        double angle = rng.nextDouble() * Math.PI;
        double period = size * (0.12 + 0.25 * rng.nextDouble());
        double phase = rng.nextDouble() * 2 * Math.PI;
        double noise = 0.02 + 0.06 * rng.nextDouble();
        double objectShade = 0.1 * (rng.nextDouble() - 0.5);

        byte[] mask = new byte[size * size];
        byte[] pixels = new byte[3 * size * size];
        double cos = Math.cos(angle);
        double sin = Math.sin(angle);
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                boolean inside = g.covers(x, y);
                mask[y * size + x] = (byte) (inside ? 1 : 0);
                double u = (cos * x + sin * y) / period;
                double v = (-sin * x + cos * y) / period;
                double t = switch (texture) {
                    case GRADIENT -> (cos * (x - size / 2.0) + sin * (y - size / 2.0)) / size + 0.5;
                    case STRIPES -> 0.5 + 0.5 * Math.sin(2 * Math.PI * u + phase);
                    case CHECKER -> (Math.floorMod((long) Math.floor(u) + (long) Math.floor(v), 2L)) == 0 ? 0.15 : 0.85;
                    case BLOBS -> 0.5 + 0.25 * (Math.sin(2 * Math.PI * u + phase) + Math.sin(2 * Math.PI * v * 0.7 + 2 * phase));
                };
                // the object gets a faint shading across it, so it is not one flat colour either
                double shade = objectShade * ((x - g.centerX()) + (y - g.centerY())) / Math.max(1, g.radius());
                for (int c = 0; c < 3; c++) {
                    double value = inside ? object[c] + shade : colourA[c] * (1 - t) + colourB[c] * t;
                    value += rng.nextGaussian() * noise;
                    pixels[(c * size + y) * size + x] = (byte) Math.round(255 * clamp(value));
                }
            }
        }
        return new LabeledImage("scenes-" + seed + "/" + index, 3, size, size, pixels, g.kind().ordinal(), mask);
    }

    private enum Texture { GRADIENT, STRIPES, CHECKER, BLOBS }

    private static double[] randomColour(SplittableRandom rng) {
        return new double[] {rng.nextDouble(), rng.nextDouble(), rng.nextDouble()};
    }

    /** A colour at least 0.45 (Euclidean, RGB in [0,1]) from both background colours, so every object stays visible. */
    private static double[] objectColour(SplittableRandom rng, double[] a, double[] b) {
        double[] best = null;
        double bestDistance = -1;
        for (int attempt = 0; attempt < 32; attempt++) {
            double[] c = randomColour(rng);
            double d = Math.min(distance(c, a), distance(c, b));
            if (d > bestDistance) {
                best = c;
                bestDistance = d;
            }
            if (d >= 0.45) {
                break;
            }
        }
        return best;
    }

    private static double distance(double[] p, double[] q) {
        double s = 0;
        for (int i = 0; i < p.length; i++) {
            s += (p[i] - q[i]) * (p[i] - q[i]);
        }
        return Math.sqrt(s);
    }

    private SplittableRandom random(long index) {
        return new SplittableRandom(mix(seed * 0x9E3779B97F4A7C15L + index + 0x5CE7E5L));
    }

    /** SplitMix64 finaliser: neighbouring (seed, index) pairs get unrelated streams. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private static double clamp(double v) {
        return v < 0 ? 0 : v > 1 ? 1 : v;
    }
}
