package dev.glimpse.explain.render;

import java.util.Locale;

/**
 * Colormaps from their published definitions: jet as MATLAB's piecewise-linear ramps, turbo as the
 * polynomial fit published with it (Mikhailov, Google AI blog 2019) and viridis as the degree-6 polynomial
 * fit of the matplotlib table (van der Walt and Smith). Values are clamped to [0, 1].
 */
public enum Colormap {
    JET {
        @Override
        public float[] rgb(double x) {
            return new float[] {ramp(1.5 - Math.abs(4 * x - 3)), ramp(1.5 - Math.abs(4 * x - 2)), ramp(1.5 - Math.abs(4 * x - 1))};
        }
    },
    TURBO {
        @Override
        public float[] rgb(double x) {
            return new float[] {
                ramp(poly(x, 0.13572138, 4.61539260, -42.66032258, 132.13108234, -152.94239396, 59.28637943)),
                ramp(poly(x, 0.09140261, 2.19418839, 4.84296658, -14.18503333, 4.27729857, 2.82956604)),
                ramp(poly(x, 0.10667330, 12.64194608, -60.58204836, 110.36276771, -89.90310912, 27.34824973))};
        }
    },
    VIRIDIS {
        @Override
        public float[] rgb(double x) {
            return new float[] {
                ramp(poly(x, 0.2777273272234177, 0.1050930431085774, -0.3308618287255563, -4.634230498983486,
                        6.228269936347081, 4.776384997670288, -5.435455855934631)),
                ramp(poly(x, 0.005407344544966578, 1.404613529898575, 0.214847559468213, -5.799100973351585,
                        14.17993336680509, -13.74514537774601, 4.645852612178535)),
                ramp(poly(x, 0.3340998053353061, 1.384590162594685, 0.09509516302823659, -19.33244095627987,
                        56.69055260068105, -65.35303263337234, 26.3124352495832))};
        }
    };

    /** Colour of x in [0, 1] (values outside are clamped) as {r, g, b} in [0, 1]. */
    public abstract float[] rgb(double x);

    /** Colour of x as a packed 0xRRGGBB int. */
    public int packed(double x) {
        float[] c = rgb(Math.max(0, Math.min(1, Double.isNaN(x) ? 0 : x)));
        return (Math.round(c[0] * 255) << 16) | (Math.round(c[1] * 255) << 8) | Math.round(c[2] * 255);
    }

    public static Colormap parse(String name) {
        try {
            return valueOf(name.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown colormap '" + name + "'; expected jet, turbo or viridis", e);
        }
    }

    private static double poly(double x, double... c) {
        double y = 0;
        for (int i = c.length - 1; i >= 0; i--) {
            y = y * x + c[i];
        }
        return y;
    }

    private static float ramp(double v) {
        return (float) Math.max(0, Math.min(1, v));
    }
}
