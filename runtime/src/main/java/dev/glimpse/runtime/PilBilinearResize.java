package dev.glimpse.runtime;

/**
 * Bilinear resize of 8-bit images computed as Pillow's {@code Image.resize(size, BILINEAR)} does it
 * (libImaging/Resample.c), which is what torchvision's {@code Resize} runs on PIL images: a triangle filter whose
 * support grows with the downscale factor (antialiasing), normalised coefficients in 22-bit fixed point,
 * a horizontal pass then a vertical pass, each rounded and clipped to 8 bits.
 *
 * <p>Only the output window {@code [x0, x0 + w) x [y0, y0 + h)} is computed; each output pixel depends only on its
 * own coordinates, so this equals resizing the whole image and cropping afterwards.
 */
final class PilBilinearResize {

    private static final int PRECISION_BITS = 32 - 8 - 2;

    private PilBilinearResize() {
    }

    /**
     * Resizes interleaved 8-bit {@code pixels} ({@code channels} per pixel) from {@code inW x inH} to
     * {@code outW x outH} and returns the window {@code [x0, x0 + w) x [y0, y0 + h)} of the result, interleaved.
     * The window must lie inside the output.
     */
    static byte[] resize(byte[] pixels, int channels, int inW, int inH, int outW, int outH, int x0, int y0, int w, int h) {
        Coefficients horizontal = Coefficients.of(inW, outW, x0, w);
        Coefficients vertical = Coefficients.of(inH, outH, y0, h);
        // rows of the source the vertical pass reads
        int firstRow = vertical.first();
        int lastRow = vertical.last();
        int rows = lastRow - firstRow;
        byte[] temp;
        if (inW != outW) {
            temp = new byte[rows * w * channels];
            for (int y = 0; y < rows; y++) {
                int src = (y + firstRow) * inW * channels;
                int dst = y * w * channels;
                for (int x = 0; x < w; x++) {
                    int min = horizontal.bounds[2 * x];
                    int n = horizontal.bounds[2 * x + 1];
                    int k = x * horizontal.ksize;
                    for (int c = 0; c < channels; c++) {
                        int ss = 1 << (PRECISION_BITS - 1);
                        for (int i = 0; i < n; i++) {
                            ss += (pixels[src + (min + i) * channels + c] & 0xff) * horizontal.kk[k + i];
                        }
                        temp[dst + x * channels + c] = clip8(ss);
                    }
                }
            }
        } else {
            // no horizontal pass (Pillow skips it too): the window's columns, the rows the vertical pass reads
            temp = new byte[rows * w * channels];
            for (int y = 0; y < rows; y++) {
                System.arraycopy(pixels, ((y + firstRow) * inW + x0) * channels, temp, y * w * channels, w * channels);
            }
        }
        if (inH == outH) {
            return temp.length == w * h * channels ? temp : java.util.Arrays.copyOf(temp, w * h * channels);
        }
        byte[] out = new byte[w * h * channels];
        int stride = w * channels;
        for (int y = 0; y < h; y++) {
            int min = vertical.bounds[2 * y] - firstRow;
            int n = vertical.bounds[2 * y + 1];
            int k = y * vertical.ksize;
            for (int i = 0; i < stride; i++) {
                int ss = 1 << (PRECISION_BITS - 1);
                for (int j = 0; j < n; j++) {
                    ss += (temp[(min + j) * stride + i] & 0xff) * vertical.kk[k + j];
                }
                out[y * stride + i] = clip8(ss);
            }
        }
        return out;
    }

    private static byte clip8(int ss) {
        int v = ss >> PRECISION_BITS;
        return (byte) (v < 0 ? 0 : Math.min(v, 255));
    }

    /**
     * Pillow's {@code precompute_coeffs} + {@code normalize_coeffs_8bpc} for output indices
     * {@code [from, from + count)}: per output index the first source index, the tap count and the taps.
     */
    private record Coefficients(int[] bounds, int[] kk, int ksize) {

        static Coefficients of(int inSize, int outSize, int from, int count) {
            double scale = (double) inSize / outSize;
            double filterScale = Math.max(1.0, scale);
            double support = filterScale; // the bilinear filter's support is 1
            int ksize = (int) Math.ceil(support) * 2 + 1;
            int[] bounds = new int[2 * count];
            int[] kk = new int[count * ksize];
            double[] k = new double[ksize];
            for (int o = 0; o < count; o++) {
                int xx = from + o;
                double center = (xx + 0.5) * scale;
                double ss = 1.0 / filterScale;
                int xmin = Math.max(0, (int) (center - support + 0.5));
                int xmax = Math.min(inSize, (int) (center + support + 0.5)) - xmin;
                double ww = 0.0;
                for (int x = 0; x < xmax; x++) {
                    double w = triangle((x + xmin - center + 0.5) * ss);
                    k[x] = w;
                    ww += w;
                }
                for (int x = 0; x < xmax; x++) {
                    double v = ww != 0.0 ? k[x] / ww : k[x];
                    kk[o * ksize + x] = v < 0 ? (int) (-0.5 + v * (1 << PRECISION_BITS)) : (int) (0.5 + v * (1 << PRECISION_BITS));
                }
                bounds[2 * o] = xmin;
                bounds[2 * o + 1] = xmax;
            }
            return new Coefficients(bounds, kk, ksize);
        }

        private static double triangle(double x) {
            double a = Math.abs(x);
            return a < 1.0 ? 1.0 - a : 0.0;
        }

        /** The first source index any output index reads. */
        int first() {
            int min = Integer.MAX_VALUE;
            for (int i = 0; i < bounds.length; i += 2) {
                min = Math.min(min, bounds[i]);
            }
            return min;
        }

        /** One past the last source index any output index reads. */
        int last() {
            int max = 0;
            for (int i = 0; i < bounds.length; i += 2) {
                max = Math.max(max, bounds[i] + bounds[i + 1]);
            }
            return max;
        }
    }
}
