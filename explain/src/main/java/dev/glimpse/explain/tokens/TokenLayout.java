package dev.glimpse.explain.tokens;

import dev.glimpse.explain.Tensor;

/**
 * How a layer's activation maps onto a spatial grid: channels-first [N, C, H, W] (a CNN), channels-last
 * [N, H, W, C] (Swin's stages, ConvNeXt blocks) or tokens [N, T, D] whose first {@code prefix} tokens (class,
 * distillation) are not on the grid and the remaining T − prefix = height × width are, row-major. {@link #toGrid}
 * gives every layout as [N, C, height, width], so that the CAM methods run unchanged on it.
 */
public record TokenLayout(Kind kind, int prefix, int height, int width) {

    /** The three layouts, named as {@code --param tokens.layout} takes them. */
    public enum Kind {
        NCHW, NHWC, NLD;

        public String key() {
            return name().toLowerCase();
        }
    }

    public static TokenLayout channelsFirst(long[] shape) {
        return new TokenLayout(Kind.NCHW, 0, (int) shape[2], (int) shape[3]);
    }

    public boolean isChannelsFirst() {
        return kind == Kind.NCHW;
    }

    /** The activation (or its gradient) as [N, C, height, width], leading tokens dropped. */
    public Tensor toGrid(Tensor raw) {
        int[] s = raw.shape();
        float[] in = raw.data();
        switch (kind) {
            case NCHW:
                return raw;
            case NHWC: {
                int n = s[0];
                int h = s[1];
                int w = s[2];
                int c = s[3];
                float[] out = new float[in.length];
                for (int b = 0; b < n; b++) {
                    for (int y = 0; y < h; y++) {
                        for (int x = 0; x < w; x++) {
                            for (int k = 0; k < c; k++) {
                                out[((b * c + k) * h + y) * w + x] = in[((b * h + y) * w + x) * c + k];
                            }
                        }
                    }
                }
                return new Tensor(new int[] {n, c, h, w}, out);
            }
            default: {
                int n = s[0];
                int t = s[1];
                int d = s[2];
                int cells = height * width;
                float[] out = new float[n * d * cells];
                for (int b = 0; b < n; b++) {
                    for (int g = 0; g < cells; g++) {
                        for (int k = 0; k < d; k++) {
                            out[(b * d + k) * cells + g] = in[(b * t + prefix + g) * d + k];
                        }
                    }
                }
                return new Tensor(new int[] {n, d, height, width}, out);
            }
        }
    }

    /** For summary.json: e.g. {@code nld, 1 leading token, grid 8x8}. */
    public String describe() {
        return kind.key() + (kind == Kind.NLD ? ", " + prefix + " leading token" + (prefix == 1 ? "" : "s") : "")
                + ", grid " + height + "x" + width;
    }
}
