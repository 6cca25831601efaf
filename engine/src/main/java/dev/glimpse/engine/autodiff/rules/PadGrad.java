package dev.glimpse.engine.autodiff.rules;

import dev.glimpse.engine.autodiff.Backward;
import dev.glimpse.engine.autodiff.GradientRule;
import dev.glimpse.engine.graph.ShapeInference;

import java.util.Arrays;
import java.util.Set;

/**
 * Pad in constant mode (pads as attribute or input, optional axes input): the gradient is dY with the padding cut
 * off (and zero-padded back where negative pads had cropped). Reflect/edge modes are not supported.
 */
public final class PadGrad implements GradientRule {

    @Override
    public Set<String> opTypes() {
        return Set.of("Pad");
    }

    @Override
    public String unsupportedReason(Backward b) {
        String mode = b.attrString("mode", "constant");
        if (!mode.equals("constant")) {
            return "mode " + mode;
        }
        try {
            pads(b);
        } catch (RuntimeException e) {
            return e.getMessage();
        }
        return null;
    }

    private static long[] pads(Backward b) {
        int rank = b.rank(b.input(0));
        long[] pads = b.hasInput(1) ? b.constInts(1, "pads") : b.attrInts("pads", b.attrInts("paddings", null));
        if (b.hasInput(3)) {
            long[] axes = b.constInts(3, "axes");
            long[] full = new long[2 * rank];
            for (int k = 0; k < axes.length; k++) {
                int a = ShapeInference.axis(axes[k], rank);
                full[a] = pads[k];
                full[a + rank] = pads[k + axes.length];
            }
            return full;
        }
        return pads;
    }

    @Override
    public void backward(Backward b) {
        if (!b.needsGrad(0)) {
            return;
        }
        long[] pads = pads(b);
        int rank = pads.length / 2;
        String g = b.gradOut(0);
        long[] grow = new long[2 * rank];
        boolean anyGrow = false;
        for (int i = 0; i < 2 * rank; i++) {
            grow[i] = Math.max(0, -pads[i]);
            anyGrow |= grow[i] != 0;
        }
        if (anyGrow) {
            g = b.pad(g, grow);
        }
        long[] starts = new long[rank];
        long[] ends = new long[rank];
        long[] axes = new long[rank];
        int n = 0;
        for (int i = 0; i < rank; i++) {
            long begin = Math.max(0, pads[i]);
            long end = Math.max(0, pads[i + rank]);
            if (begin == 0 && end == 0) {
                continue;
            }
            starts[n] = begin;
            ends[n] = end == 0 ? Long.MAX_VALUE : -end;
            axes[n] = i;
            n++;
        }
        if (n > 0) {
            g = b.slice(g, Arrays.copyOf(starts, n), Arrays.copyOf(ends, n),
                    Arrays.copyOf(axes, n), null);
        }
        b.addGrad(0, g);
    }
}
