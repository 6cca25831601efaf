package dev.glimpse.engine.autodiff.rules;

import dev.glimpse.engine.autodiff.Backward;
import dev.glimpse.engine.autodiff.GradientRule;
import dev.glimpse.engine.graph.ShapeInference;

import java.util.Set;

/**
 * Slice with constant starts/ends/axes/steps: dY is put back at the sliced positions with zeros elsewhere. Unit
 * steps need one Pad; other steps first interleave zeros (Unsqueeze, Pad, Reshape) and negative steps first reverse.
 */
public final class SliceGrad implements GradientRule {

    @Override
    public Set<String> opTypes() {
        return Set.of("Slice");
    }

    @Override
    public String unsupportedReason(Backward b) {
        try {
            ShapeInference.SliceSpec spec = spec(b);
            long[] s = b.shape(b.input(0));
            for (int i = 0; i < s.length; i++) {
                if (s[i] < 0 && (spec.starts[i] != 0 || spec.steps[i] != 1 || spec.outShape[i] >= 0)) {
                    return "slicing along the batch axis";
                }
            }
        } catch (RuntimeException e) {
            return e.getMessage();
        }
        return null;
    }

    private static ShapeInference.SliceSpec spec(Backward b) {
        long[] s = b.shape(b.input(0));
        long[] starts;
        long[] ends;
        long[] axes;
        long[] steps;
        if (b.hasInput(1)) {
            starts = b.constInts(1, "starts");
            ends = b.constInts(2, "ends");
            axes = b.hasInput(3) ? b.constInts(3, "axes") : null;
            steps = b.hasInput(4) ? b.constInts(4, "steps") : null;
        } else {
            starts = b.attrInts("starts", null);
            ends = b.attrInts("ends", null);
            axes = b.attrInts("axes", null);
            steps = null;
        }
        // a dynamic (batch) axis is only ever taken whole: give it a size large enough for the clamping
        long[] sized = s.clone();
        for (int i = 0; i < sized.length; i++) {
            if (sized[i] < 0) {
                sized[i] = Long.MAX_VALUE / 4;
            }
        }
        ShapeInference.SliceSpec spec = ShapeInference.resolveSlice(sized, starts, ends, axes, steps);
        for (int i = 0; i < s.length; i++) {
            if (s[i] < 0 && spec.outShape[i] == sized[i]) {
                spec.outShape[i] = -1;
            }
        }
        return spec;
    }

    @Override
    public void backward(Backward b) {
        if (!b.needsGrad(0)) {
            return;
        }
        long[] s = b.shape(b.input(0));
        ShapeInference.SliceSpec spec = spec(b);
        int rank = s.length;
        String g = b.gradOut(0);
        long[] pads = new long[2 * rank];
        for (int ax = 0; ax < rank; ax++) {
            long count = spec.outShape[ax];
            long step = spec.steps[ax];
            if (s[ax] < 0 || (step == 1 && count == s[ax])) {
                continue;
            }
            long start = spec.starts[ax];
            if (step < 0) {
                // reverse so that positions ascend: first selected index is now the last one taken
                g = b.slice(g, new long[] {-1}, new long[] {Long.MIN_VALUE}, new long[] {ax}, new long[] {-1});
                start = start + (count - 1) * step;
                step = -step;
            }
            long covered = count;
            if (step > 1 && count > 0) {
                // interleave step-1 zeros after each element along ax
                String u = b.unsqueeze(g, ax + 1);
                long[] p = new long[2 * (rank + 1)];
                p[ax + 1 + rank + 1] = step - 1;
                u = b.pad(u, p);
                g = b.reshape(u, b.ints(mergeTarget(spec.outShape, ax, count * step)));
                covered = count * step;
            }
            pads[ax] = start;
            pads[ax + rank] = s[ax] - start - covered;
            if (pads[ax + rank] < 0) {
                // the trailing zeros of the interleave run past the end: cut them
                g = b.slice(g, new long[] {0}, new long[] {covered + pads[ax + rank]}, new long[] {ax}, null);
                pads[ax + rank] = 0;
            }
        }
        boolean any = false;
        for (long p : pads) {
            any |= p != 0;
        }
        if (any) {
            g = b.pad(g, pads);
        }
        b.addGrad(0, g);
    }

    /**
     * Reshape target merging axes ax and ax+1: axes before ax are copied (0, they may be the dynamic batch), ax
     * becomes {@code size}, later axes keep their static sliced size.
     */
    private static long[] mergeTarget(long[] sliced, int ax, long size) {
        long[] t = new long[sliced.length];
        t[ax] = size;
        for (int i = ax + 1; i < t.length; i++) {
            if (sliced[i] < 0) {
                throw new IllegalStateException("strided slice before a batch-dependent axis");
            }
            t[i] = sliced[i];
        }
        return t;
    }
}
