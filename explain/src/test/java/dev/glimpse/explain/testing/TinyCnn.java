package dev.glimpse.explain.testing;

import static dev.glimpse.explain.testing.GraphBuilder.ints;

import dev.glimpse.engine.onnx.Onnx;
import dev.glimpse.explain.Tensor;
import java.util.Random;

/**
 * x [1,2,8,8] → Conv(3 filters 3×3, pad 1, bias) → Relu (= layer "A") → GlobalAveragePool → Flatten → Gemm
 * (W [4,3], transB) → logits [1,4]. Seeded weights; small enough for closed forms and finite differences.
 */
public final class TinyCnn {

    public static final int C = 2;
    public static final int H = 8;
    public static final int W = 8;
    public static final int K = 3;
    public static final int CLASSES = 4;

    public final float[] convWeight;
    public final float[] convBias;
    public final float[] fcWeight;
    public final float[] fcBias;
    public final String layer;
    public final String logits;
    public final Onnx.ModelProto model;

    public TinyCnn(long seed) {
        Random r = new Random(seed);
        convWeight = gaussian(r, K * C * 9, 0.5);
        convBias = gaussian(r, K, 0.1);
        fcWeight = gaussian(r, CLASSES * K, 1.0);
        fcBias = gaussian(r, CLASSES, 0.1);
        GraphBuilder b = new GraphBuilder(seed).input("x", 1, C, H, W);
        String conv = b.node("Conv", new String[] {"x", b.initializer("conv.w", convWeight, 0, K, C, 3, 3),
            b.initializer("conv.b", convBias, 0, K)}, ints("kernel_shape", 3, 3), ints("pads", 1, 1, 1, 1));
        layer = b.node("Relu", new String[] {conv});
        String gap = b.node("GlobalAveragePool", new String[] {layer});
        String flat = b.node("Flatten", new String[] {gap});
        logits = b.node("Gemm", new String[] {flat, b.initializer("fc.w", fcWeight, 0, CLASSES, K),
            b.initializer("fc.b", fcBias, 0, CLASSES)}, GraphBuilder.i("transB", 1));
        model = b.output(logits).build();
    }

    public static Tensor input(long seed) {
        Random r = new Random(seed);
        return new Tensor(new int[] {1, C, H, W}, gaussian(r, C * H * W, 1.0));
    }

    /** Pre-activation of the conv at (k, y, x), computed directly. */
    public double preActivation(Tensor x, int k, int y, int xx) {
        double s = convBias[k];
        for (int c = 0; c < C; c++) {
            for (int dy = -1; dy <= 1; dy++) {
                for (int dx = -1; dx <= 1; dx++) {
                    int iy = y + dy;
                    int ix = xx + dx;
                    if (iy >= 0 && iy < H && ix >= 0 && ix < W) {
                        s += convWeight[((k * C + c) * 3 + dy + 1) * 3 + dx + 1] * x.data()[(c * H + iy) * W + ix];
                    }
                }
            }
        }
        return s;
    }

    private static float[] gaussian(Random r, int n, double scale) {
        float[] f = new float[n];
        for (int i = 0; i < n; i++) {
            f[i] = (float) (r.nextGaussian() * scale);
        }
        return f;
    }
}
