package dev.glimpse.engine.autodiff.rules;

import dev.glimpse.engine.autodiff.Backward;
import dev.glimpse.engine.autodiff.GradientRule;
import dev.glimpse.engine.graph.Attributes;
import dev.glimpse.engine.graph.ConstValue;

import java.util.Optional;
import java.util.Set;

/**
 * Resize (opset 10–19) and Upsample in nearest and linear mode over the last one or two axes. With fixed sizes
 * both modes are linear and separable: Y = M_h · X · M_wᵀ per [n, c] slice, M_a [out_a, in_a] holding the
 * interpolation weights of axis a (one 1 per row for nearest, two weights for linear). So dX = M_hᵀ · dY · M_w,
 * two MatMuls with constant matrices computed here from the coordinate transformation (half_pixel,
 * pytorch_half_pixel, align_corners, asymmetric) and nearest_mode (round_prefer_floor/ceil, floor, ceil).
 * Upsample and Resize-10 use asymmetric coordinates with ONNX Runtime's nearest rounding of that opset (floor when
 * upsampling, ceil when downsampling). Cubic, antialias, tf_crop_and_resize and resizing batch or channel axes are
 * refused by name.
 */
public final class ResizeGrad implements GradientRule {

    @Override
    public Set<String> opTypes() {
        return Set.of("Resize", "Upsample");
    }

    @Override
    public String unsupportedReason(Backward b) {
        String mode = b.attrString("mode", "nearest");
        if (!mode.equals("nearest") && !mode.equals("linear") && !mode.equals("bilinear")) {
            return b.describe() + ": mode '" + mode + "'";
        }
        String ct = transform(b);
        if (!Set.of("half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric").contains(ct)) {
            return b.describe() + ": coordinate_transformation_mode '" + ct + "'";
        }
        if (b.attrInt("antialias", 0) != 0) {
            return b.describe() + ": antialias";
        }
        if (Attributes.has(b.node(), "axes")) {
            return b.describe() + ": axes attribute";
        }
        long[] in = b.shape(b.input(0));
        long[] out = b.shape(b.output(0));
        for (int a = 0; a < in.length; a++) {
            boolean resized = in[a] != out[a];
            if (resized && (a < in.length - 2 || in[a] <= 0 || out[a] <= 0)) {
                return b.describe() + ": resizes axis " + a + " (" + in[a] + " → " + out[a] + "); only the last two "
                        + "axes of static size are supported";
            }
        }
        return null;
    }

    @Override
    public void backward(Backward b) {
        if (!b.needsGrad(0)) {
            return;
        }
        long[] in = b.shape(b.input(0));
        long[] out = b.shape(b.output(0));
        int rank = in.length;
        double[] scales = scales(b, rank);
        String g = b.gradOut(0);
        if (rank >= 2 && in[rank - 2] != out[rank - 2]) {
            // M_hᵀ [in_h, out_h] · dY: MatMul broadcasts the matrix over the leading axes
            float[][] m = matrix(b, (int) in[rank - 2], (int) out[rank - 2], scales[rank - 2]);
            g = b.op("MatMul", b.floats(flatten(transpose(m)), in[rank - 2], out[rank - 2]), g);
        }
        if (in[rank - 1] != out[rank - 1]) {
            float[][] m = matrix(b, (int) in[rank - 1], (int) out[rank - 1], scales[rank - 1]);
            g = b.op("MatMul", g, b.floats(flatten(m), out[rank - 1], in[rank - 1]));
        }
        b.addGrad(0, g);
    }

    private static String transform(Backward b) {
        boolean legacy = b.node().getOpType().equals("Upsample") || b.opset() < 11;
        return legacy ? "asymmetric" : b.attrString("coordinate_transformation_mode", "half_pixel");
    }

    /** The scale of each axis: the constant scales input (or attribute) when given, else out / in. */
    private static double[] scales(Backward b, int rank) {
        long[] in = b.shape(b.input(0));
        long[] out = b.shape(b.output(0));
        double[] s = new double[rank];
        for (int a = 0; a < rank; a++) {
            s[a] = in[a] > 0 ? (double) out[a] / in[a] : 1;
        }
        int scalesInput = b.node().getOpType().equals("Upsample") || b.opset() < 11 ? 1 : 2;
        Optional<double[]> given = b.hasInput(scalesInput) ? b.constant(b.input(scalesInput)).map(ConstValue::doubles)
                : Optional.empty();
        float[] attr = Attributes.getFloats(b.node(), "scales", null);
        if (given.isPresent() && given.get().length == rank) {
            return given.get();
        }
        if (attr != null && attr.length == rank) {
            for (int a = 0; a < rank; a++) {
                s[a] = attr[a];
            }
        }
        return s;
    }

    /** M [out, in]: row o holds the weights output o takes from the inputs along one axis. */
    private static float[][] matrix(Backward b, int in, int out, double scale) {
        String mode = b.attrString("mode", "nearest");
        String ct = transform(b);
        boolean legacy = b.node().getOpType().equals("Upsample") || b.opset() < 11;
        String nearest = b.attrString("nearest_mode", "round_prefer_floor");
        float[][] m = new float[out][in];
        for (int o = 0; o < out; o++) {
            double x = switch (ct) {
                case "half_pixel" -> (o + 0.5) / scale - 0.5;
                case "pytorch_half_pixel" -> out > 1 ? (o + 0.5) / scale - 0.5 : 0;
                case "align_corners" -> out == 1 ? 0 : o * (in - 1.0) / (out - 1.0);
                default -> o / scale;
            };
            if (mode.equals("nearest")) {
                long i;
                if (legacy) {
                    i = scale < 1 ? (long) Math.ceil(x) : (long) Math.floor(x);
                } else {
                    i = switch (nearest) {
                        case "round_prefer_ceil" -> Math.round(x);
                        case "floor" -> (long) Math.floor(x);
                        case "ceil" -> (long) Math.ceil(x);
                        default -> x == Math.floor(x) + 0.5 ? (long) Math.floor(x) : Math.round(x);
                    };
                }
                m[o][(int) Math.max(0, Math.min(in - 1, i))] = 1;
            } else {
                double c = Math.max(0, Math.min(in - 1, x));
                int lo = (int) Math.floor(c);
                int hi = Math.min(lo + 1, in - 1);
                double w = c - lo;
                m[o][lo] += (float) (1 - w);
                m[o][hi] += (float) w;
            }
        }
        return m;
    }

    private static float[][] transpose(float[][] m) {
        float[][] t = new float[m[0].length][m.length];
        for (int i = 0; i < m.length; i++) {
            for (int j = 0; j < m[0].length; j++) {
                t[j][i] = m[i][j];
            }
        }
        return t;
    }

    private static float[] flatten(float[][] m) {
        float[] f = new float[m.length * m[0].length];
        for (int i = 0; i < m.length; i++) {
            System.arraycopy(m[i], 0, f, i * m[0].length, m[0].length);
        }
        return f;
    }
}
