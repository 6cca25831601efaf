package dev.glimpse.engine.autodiff.rules;

import dev.glimpse.engine.autodiff.Backward;
import dev.glimpse.engine.autodiff.GradientRule;
import dev.glimpse.engine.graph.Attributes;
import dev.glimpse.engine.graph.ShapeInference;

import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * AveragePool (pads, strides, ceil_mode, count_include_pad): dY is divided by each window's divisor (computed here
 * once, exactly as ONNX Runtime counts it) and spread back over the window by a depthwise ConvTranspose with a
 * kernel of ones.
 */
public final class AveragePoolGrad implements GradientRule {

    @Override
    public Set<String> opTypes() {
        return Set.of("AveragePool");
    }

    @Override
    public String unsupportedReason(Backward b) {
        long[] d = b.attrInts("dilations", null);
        if (d != null && Arrays.stream(d).anyMatch(v -> v != 1)) {
            return "dilations are not supported";
        }
        long[] x = b.shape(b.input(0));
        for (int i = 1; i < x.length; i++) {
            if (x[i] < 0) {
                return "channel or spatial size depends on the batch";
            }
        }
        return null;
    }

    @Override
    public void backward(Backward b) {
        if (!b.needsGrad(0)) {
            return;
        }
        String x = b.input(0);
        long[] xs = b.shape(x);
        int r = xs.length - 2;
        long channels = xs[1];
        long[] spatial = Arrays.copyOfRange(xs, 2, xs.length);
        long[] kernel = b.attrInts("kernel_shape", null);
        ShapeInference.Window win = ShapeInference.window(b.node(), spatial, kernel, true);
        boolean includePad = b.attrInt("count_include_pad", 0) == 1;

        // per-dimension 1/size of each window, multiplied out over the output grid
        long[] out = win.outSpatial;
        int total = (int) Arrays.stream(out).reduce(1, (p, q) -> p * q);
        float[] inv = new float[total];
        Arrays.fill(inv, 1f);
        int block = total;
        for (int d = 0; d < r; d++) {
            block /= (int) out[d];
            for (int f = 0; f < total; f++) {
                long o = (f / block) % out[d];
                long start = o * win.strides[d] - win.pads[d];
                long end = start + kernel[d];
                long size = includePad
                        ? Math.min(end, spatial[d] + win.pads[d + r]) - start
                        : Math.min(end, spatial[d]) - Math.max(start, 0);
                inv[f] /= size;
            }
        }
        long[] invDims = new long[r + 2];
        invDims[0] = 1;
        invDims[1] = 1;
        System.arraycopy(out, 0, invDims, 2, r);
        String scaled = b.mul(b.gradOut(0), b.floats(inv, invDims));

        long[] pads = win.pads.clone();
        long[] outPad = new long[r];
        for (int i = 0; i < r; i++) {
            long full = win.strides[i] * (out[i] - 1) + kernel[i] - pads[i];
            long withEnd = full - pads[i + r];
            if (withEnd <= spatial[i]) {
                outPad[i] = spatial[i] - withEnd;
            } else {
                pads[i + r] = full - spatial[i];
            }
        }
        long kernelSize = Arrays.stream(kernel).reduce(1, (p, q) -> p * q);
        float[] ones = new float[(int) (channels * kernelSize)];
        Arrays.fill(ones, 1f);
        long[] wDims = new long[r + 2];
        wDims[0] = channels;
        wDims[1] = 1;
        System.arraycopy(kernel, 0, wDims, 2, r);
        String dx = b.op("ConvTranspose", List.of(scaled, b.floats(ones, wDims)),
                Attributes.ofInts("kernel_shape", kernel), Attributes.ofInts("strides", win.strides),
                Attributes.ofInts("pads", pads), Attributes.ofInts("output_padding", outPad),
                Attributes.ofInt("group", channels));
        b.addGrad(0, dx);
    }
}
