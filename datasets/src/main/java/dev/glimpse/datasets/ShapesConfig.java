package dev.glimpse.datasets;

/**
 * Parameters of the synthetic shapes set.
 *
 * @param size     image height = width in pixels (>= 16)
 * @param channels 1 (gray) or 3 (rgb)
 * @param classes  number of shape classes, taken in {@link ShapeKind} order (2..6)
 * @param noise    standard deviation of the additive Gaussian pixel noise, in [0,1] intensity units; it also
 *                 scales a smooth background gradient. 0 gives flat backgrounds and noiseless shapes.
 * @param seed     generator seed; example i is a pure function of (seed, i, the other parameters)
 */
public record ShapesConfig(int size, int channels, int classes, double noise, long seed) {

    public static final ShapesConfig DEFAULT = new ShapesConfig(32, 1, 5, 0.08, 42L);

    public ShapesConfig {
        if (size < 16 || size > 1024) {
            throw new IllegalArgumentException("shapes size must be in [16, 1024], got " + size);
        }
        if (channels != 1 && channels != 3) {
            throw new IllegalArgumentException("shapes channels must be 1 or 3, got " + channels);
        }
        if (classes < 2 || classes > ShapeKind.values().length) {
            throw new IllegalArgumentException("shapes classes must be in [2, " + ShapeKind.values().length
                    + "], got " + classes);
        }
        if (!(noise >= 0 && noise <= 1)) {
            throw new IllegalArgumentException("shapes noise must be in [0, 1], got " + noise);
        }
    }

    public ShapesConfig withSeed(long newSeed) {
        return new ShapesConfig(size, channels, classes, noise, newSeed);
    }

    public ShapesConfig withNoise(double newNoise) {
        return new ShapesConfig(size, channels, classes, newNoise, seed);
    }
}
