package dev.glimpse.engine.autodiff.rules;

import dev.glimpse.engine.autodiff.Backward;
import dev.glimpse.engine.autodiff.GradientRule;
import dev.glimpse.engine.graph.Attributes;
import dev.glimpse.engine.graph.ShapeInference;

import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * Conv (any spatial rank, groups, strides, dilations, explicit or auto pads).
 * <ul>
 * <li>dX = ConvTranspose(dY, W) with the same strides/dilations/groups/pads; output_padding restores the rows a
 * stride left out.</li>
 * <li>dW = Conv of the input (batch moved to channels) with dY as the kernel, strides and dilations swapped, then
 * cropped to the kernel size; with groups the batch is folded into each group's channels.</li>
 * <li>dB = ReduceSum(dY) over batch and space.</li>
 * </ul>
 */
public final class ConvGrad implements GradientRule {

    @Override
    public Set<String> opTypes() {
        return Set.of("Conv");
    }

    @Override
    public String unsupportedReason(Backward b) {
        long[] x = b.shape(b.input(0));
        for (int i = 2; i < x.length; i++) {
            if (x[i] < 0) {
                return "spatial size depends on the batch";
            }
        }
        return null;
    }

    @Override
    public void backward(Backward b) {
        String x = b.input(0);
        String w = b.input(1);
        String dy = b.gradOut(0);
        long[] xs = b.shape(x);
        long[] ws = b.shape(w);
        int r = xs.length - 2;
        long[] spatial = Arrays.copyOfRange(xs, 2, xs.length);
        long[] kernel = b.attrInts("kernel_shape", Arrays.copyOfRange(ws, 2, ws.length));
        ShapeInference.Window win = ShapeInference.window(b.node(), spatial, kernel, false);
        long group = b.attrInt("group", 1);

        if (b.needsGrad(0) && unitStride(win)) {
            b.addGrad(0, inputGradByConv(b, w, dy, ws, kernel, win, group));
        } else if (b.needsGrad(0)) {
            long[] pads = win.pads.clone();
            long[] outPad = new long[r];
            for (int i = 0; i < r; i++) {
                long ek = (kernel[i] - 1) * win.dilations[i] + 1;
                long full = win.strides[i] * (win.outSpatial[i] - 1) + ek - pads[i];
                long withEnd = full - pads[i + r];
                if (withEnd <= spatial[i]) {
                    outPad[i] = spatial[i] - withEnd;
                } else {
                    pads[i + r] = full - spatial[i];
                }
            }
            String dx = b.op("ConvTranspose", List.of(dy, w),
                    Attributes.ofInts("kernel_shape", kernel), Attributes.ofInts("strides", win.strides),
                    Attributes.ofInts("dilations", win.dilations), Attributes.ofInts("pads", pads),
                    Attributes.ofInts("output_padding", outPad), Attributes.ofInt("group", group));
            b.addGrad(0, dx);
        }
        if (b.needsGrad(1)) {
            b.addGrad(1, weightGrad(b, x, dy, xs, ws, kernel, win, group));
        }
        if (b.hasInput(2) && b.needsGrad(2)) {
            long[] axes = new long[r + 1];
            for (int i = 1; i <= r; i++) {
                axes[i] = i + 1;
            }
            b.addGrad(2, b.reduceSum(dy, axes, false));
        }
    }

    /** Stride 1 and padding that the flipped kernel can mirror: then dX is a plain (fast) Conv. */
    private static boolean unitStride(ShapeInference.Window win) {
        int r = win.strides.length;
        for (int i = 0; i < r; i++) {
            long reach = (win.kernel[i] - 1) * win.dilations[i];
            if (win.strides[i] != 1 || win.pads[i] > reach || win.pads[i + r] > reach) {
                return false;
            }
        }
        return true;
    }

    /**
     * dX for stride 1: a Conv of dY with the kernel flipped in space and its in/out channels swapped per group, padded
     * by reach − pad on each side. ONNX Runtime folds the kernel rearrangement once when W is an initializer.
     */
    private static String inputGradByConv(Backward b, String w, String dy, long[] ws, long[] kernel,
                                          ShapeInference.Window win, long group) {
        int r = kernel.length;
        long o = ws[0];
        long cg = ws[1];
        long og = o / group;
        long[] spatialAxes = range(2, r + 2);
        long[] starts = new long[r];
        long[] ends = new long[r];
        long[] steps = new long[r];
        for (int i = 0; i < r; i++) {
            starts[i] = -1;
            ends[i] = Long.MIN_VALUE;
            steps[i] = -1;
        }
        String flipped = b.slice(w, starts, ends, spatialAxes, steps);
        String swapped;
        if (group == 1) {
            swapped = b.transpose(flipped, perm01(r + 2));
        } else {
            // [g*Og, Cg, k..] -> [g, Og, Cg, k..] -> [g, Cg, Og, k..] -> [g*Cg, Og, k..]
            String grouped = b.reshape(flipped, b.ints(concat(new long[] {group, og, cg}, kernel)));
            String t = b.transpose(grouped, concat(new long[] {0, 2, 1}, range(3, r + 3)));
            swapped = b.reshape(t, b.ints(concat(new long[] {group * cg, og}, kernel)));
        }
        long[] pads = new long[2 * r];
        for (int i = 0; i < r; i++) {
            long reach = (kernel[i] - 1) * win.dilations[i];
            pads[i] = reach - win.pads[i];
            pads[i + r] = reach - win.pads[i + r];
        }
        return b.op("Conv", List.of(dy, swapped), Attributes.ofInts("kernel_shape", kernel),
                Attributes.ofInts("dilations", win.dilations), Attributes.ofInts("pads", pads), Attributes.ofInt("group", group));
    }

    private static String weightGrad(Backward b, String x, String dy, long[] xs, long[] ws, long[] kernel,
                                     ShapeInference.Window win, long group) {
        int r = xs.length - 2;
        long[] swap = perm01(r + 2);
        String xt;
        String dyt;
        long[] outSpatial = win.outSpatial;
        if (group == 1) {
            xt = b.transpose(x, swap);
            dyt = b.transpose(dy, swap);
        } else {
            long c = xs[1];
            long cg = c / group;
            long o = ws[0];
            long og = o / group;
            // x: [N, g, Cg, S..] -> [Cg, g, N, S..] -> [Cg, g*N, S..]
            long[] s1 = concat(new long[] {-1, group, cg}, Arrays.copyOfRange(xs, 2, xs.length));
            long[] p1 = concat(new long[] {2, 1, 0}, range(3, r + 3));
            long[] s2 = concat(new long[] {cg, -1}, Arrays.copyOfRange(xs, 2, xs.length));
            xt = b.reshape(b.transpose(b.reshape(x, b.ints(s1)), p1), b.ints(s2));
            // dy: [N, g, Og, O..] -> [g, Og, N, O..] -> [O, N, O..]
            long[] d1 = concat(new long[] {-1, group, og}, outSpatial);
            long[] q1 = concat(new long[] {1, 2, 0}, range(3, r + 3));
            long[] d2 = concat(new long[] {o, -1}, outSpatial);
            dyt = b.reshape(b.transpose(b.reshape(dy, b.ints(d1)), q1), b.ints(d2));
        }
        String conv = b.op("Conv", List.of(xt, dyt),
                Attributes.ofInts("strides", win.dilations), Attributes.ofInts("dilations", win.strides),
                Attributes.ofInts("pads", win.pads), Attributes.ofInt("group", group),
                Attributes.ofInts("kernel_shape", outSpatial));
        // result [Cg, O, K'..] with K' >= kernel: crop the positions a stride never reached
        boolean crop = false;
        long[] full = new long[r];
        for (int i = 0; i < r; i++) {
            long span = xs[i + 2] + win.pads[i] + win.pads[i + r] - ((outSpatial[i] - 1) * win.strides[i] + 1);
            full[i] = Math.floorDiv(span, win.dilations[i]) + 1;
            crop |= full[i] != kernel[i];
        }
        if (crop) {
            conv = b.slice(conv, new long[r], kernel, range(2, r + 2), null);
        }
        return b.transpose(conv, swap);
    }

    static long[] perm01(int rank) {
        long[] p = range(0, rank);
        p[0] = 1;
        p[1] = 0;
        return p;
    }

    static long[] range(int from, int to) {
        long[] a = new long[Math.max(0, to - from)];
        for (int i = 0; i < a.length; i++) {
            a[i] = from + i;
        }
        return a;
    }

    static long[] concat(long[] a, long[] b) {
        long[] o = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, o, a.length, b.length);
        return o;
    }
}
