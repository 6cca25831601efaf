package dev.glimpse.datasets;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Deterministic synthetic images: one shape (circle, square, triangle, cross, ring, diamond) at a random
 * position, size and rotation on a noisy background, with the ground-truth mask of the object.
 *
 * <p>Example {@code i} depends only on the config and {@code i} (its own random stream is derived from
 * (seed, i)), so any example can be produced on its own, in any order, on any machine.
 */
public final class ShapesGenerator {

    private final ShapesConfig config;
    private final List<String> classNames;

    public ShapesGenerator(ShapesConfig config) {
        this.config = config;
        List<String> names = new ArrayList<>();
        for (int k = 0; k < config.classes(); k++) {
            names.add(ShapeKind.values()[k].label());
        }
        this.classNames = List.copyOf(names);
    }

    public ShapesConfig config() {
        return config;
    }

    public List<String> classNames() {
        return classNames;
    }

    /** The geometry chosen for one example; exposed so tests and scorers can check masks independently. */
    public record Geometry(ShapeKind kind, double centerX, double centerY, double radius, double rotation) {
        /** Whether the pixel (x, y), sampled at its centre, lies inside the shape. */
        public boolean covers(int x, int y) {
            double dx = x + 0.5 - centerX;
            double dy = y + 0.5 - centerY;
            double cos = Math.cos(rotation);
            double sin = Math.sin(rotation);
            double u = (cos * dx + sin * dy) / radius;
            double v = (-sin * dx + cos * dy) / radius;
            return kind.contains(u, v);
        }
    }

    public Geometry geometry(long index) {
        return geometry(random(index));
    }

    private Geometry geometry(SplittableRandom rng) {
        int size = config.size();
        ShapeKind kind = ShapeKind.values()[rng.nextInt(config.classes())];
        double radius = size * (0.16 + 0.2 * rng.nextDouble());
        double margin = radius + 1;
        double cx = margin + rng.nextDouble() * (size - 2 * margin);
        double cy = margin + rng.nextDouble() * (size - 2 * margin);
        double rotation = kind.rotates() ? (rng.nextDouble() * 2 - 1) * kind.maxRotation() : 0;
        return new Geometry(kind, cx, cy, radius, rotation);
    }

    public LabeledImage generate(long index) {
        if (index < 0) {
            throw new IllegalArgumentException("index must be >= 0, got " + index);
        }
        SplittableRandom rng = random(index);
        Geometry g = geometry(rng);
        int size = config.size();
        int channels = config.channels();
        double[] background = new double[channels];
        double[] foreground = new double[channels];
        chooseColours(rng, background, foreground);
        // A smooth background gradient (direction random) scaled by the noise level, so the background is not a
        // flat colour a model could subtract away.
        double gradAngle = rng.nextDouble() * 2 * Math.PI;
        double gx = Math.cos(gradAngle) * config.noise() * 1.5 / size;
        double gy = Math.sin(gradAngle) * config.noise() * 1.5 / size;

        byte[] mask = new byte[size * size];
        byte[] pixels = new byte[channels * size * size];
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                boolean inside = g.covers(x, y);
                mask[y * size + x] = (byte) (inside ? 1 : 0);
                double shade = (x - size / 2.0) * gx + (y - size / 2.0) * gy;
                for (int c = 0; c < channels; c++) {
                    double v = inside ? foreground[c] : background[c] + shade;
                    if (config.noise() > 0) {
                        v += rng.nextGaussian() * config.noise();
                    }
                    pixels[(c * size + y) * size + x] = (byte) Math.round(255 * clamp(v));
                }
            }
        }
        return new LabeledImage("shapes-" + config.seed() + "/" + index, channels, size, size, pixels,
                g.kind().ordinal(), mask);
    }

    /** Background and foreground differ by at least 0.35 in mean intensity, so every shape stays visible. */
    private void chooseColours(SplittableRandom rng, double[] bg, double[] fg) {
        boolean darkOnLight = rng.nextBoolean();
        double bgLevel = darkOnLight ? 0.6 + 0.3 * rng.nextDouble() : 0.1 + 0.3 * rng.nextDouble();
        double fgLevel = darkOnLight ? bgLevel - 0.35 - 0.2 * rng.nextDouble() : bgLevel + 0.35 + 0.2 * rng.nextDouble();
        for (int c = 0; c < bg.length; c++) {
            // In RGB each channel wanders around the chosen level: coloured shapes, same contrast guarantee.
            double jitter = bg.length == 1 ? 0 : (rng.nextDouble() - 0.5) * 0.2;
            bg[c] = clamp(bgLevel + jitter);
            fg[c] = clamp(fgLevel - jitter);
        }
    }

    private SplittableRandom random(long index) {
        return new SplittableRandom(mix(config.seed() * 0x9E3779B97F4A7C15L + index));
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
