package dev.glimpse.engine.graph.shapes;

import dev.glimpse.engine.graph.Attributes;
import dev.glimpse.engine.graph.ShapeContext;
import dev.glimpse.engine.graph.ShapeInference;
import dev.glimpse.engine.graph.ShapeInference.Window;
import dev.glimpse.engine.graph.ShapeRule;

import java.util.Arrays;
import java.util.Set;

/**
 * Conv (spatial sizes from {@link ShapeInference#window}) and ConvTranspose (from strides, pads, dilations and
 * output_padding, or output_shape when given); kernel_shape defaults to the weight's spatial dimensions.
 */
public final class ConvShapes implements ShapeRule {

    @Override
    public Set<String> opTypes() {
        return Set.of("Conv", "ConvTranspose");
    }

    @Override
    public void infer(ShapeContext c) {
        if (c.opType().equals("Conv")) {
            conv(c);
        } else {
            convTranspose(c);
        }
    }

    private static void conv(ShapeContext c) {
        long[] x = c.shape(0);
        long[] w = c.shape(1);
        long[] spatial = Arrays.copyOfRange(x, 2, x.length);
        long[] kernel = Attributes.getInts(c.node(), "kernel_shape", Arrays.copyOfRange(w, 2, w.length));
        Window win = ShapeInference.window(c.node(), spatial, kernel, false);
        long[] o = new long[x.length];
        o[0] = x[0];
        o[1] = w[0];
        System.arraycopy(win.outSpatial, 0, o, 2, spatial.length);
        c.output(0, o, c.type(0));
    }

    private static void convTranspose(ShapeContext c) {
        long[] x = c.shape(0);
        long[] w = c.shape(1);
        int r = x.length - 2;
        long g = Attributes.getInt(c.node(), "group", 1);
        long[] kernel = Attributes.getInts(c.node(), "kernel_shape", Arrays.copyOfRange(w, 2, w.length));
        long[] strides = Attributes.getInts(c.node(), "strides", ShapeInference.filled(r, 1));
        long[] dil = Attributes.getInts(c.node(), "dilations", ShapeInference.filled(r, 1));
        long[] pads = Attributes.getInts(c.node(), "pads", ShapeInference.filled(2 * r, 0));
        long[] outPad = Attributes.getInts(c.node(), "output_padding", ShapeInference.filled(r, 0));
        long[] outShape = Attributes.getInts(c.node(), "output_shape", null);
        long[] o = new long[x.length];
        o[0] = x[0];
        o[1] = w[1] * g;
        for (int i = 0; i < r; i++) {
            o[i + 2] = outShape != null ? outShape[outShape.length - r + i]
                    : strides[i] * (x[i + 2] - 1) + outPad[i] + (kernel[i] - 1) * dil[i] + 1 - pads[i] - pads[i + r];
        }
        c.output(0, o, c.type(0));
    }
}
