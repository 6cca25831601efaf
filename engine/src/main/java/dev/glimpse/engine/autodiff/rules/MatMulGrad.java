package dev.glimpse.engine.autodiff.rules;

import dev.glimpse.engine.autodiff.Backward;
import dev.glimpse.engine.autodiff.GradientRule;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * MatMul with numpy semantics (batch broadcasting, 1-D operands): dA = dY·Bᵀ and dB = Aᵀ·dY on the last two axes,
 * summed over broadcast batch axes; 1-D operands are treated as a row (A) or a column (B).
 */
public final class MatMulGrad implements GradientRule {

    @Override
    public Set<String> opTypes() {
        return Set.of("MatMul");
    }

    @Override
    public void backward(Backward b) {
        String a = b.input(0);
        String bb = b.input(1);
        String dy = b.gradOut(0);
        long[] as = b.shape(a);
        long[] bs = b.shape(bb);
        String a2 = as.length == 1 ? b.unsqueeze(a, 0) : a;
        String b2 = bs.length == 1 ? b.unsqueeze(bb, 1) : bb;
        long[] as2 = as.length == 1 ? new long[] {1, as[0]} : as;
        long[] bs2 = bs.length == 1 ? new long[] {bs[0], 1} : bs;
        int rank = Math.max(as2.length, bs2.length);
        String dy2 = dy;
        if (as.length == 1 && bs.length == 1) {
            dy2 = b.unsqueeze(dy, 0, 1);
        } else if (as.length == 1) {
            dy2 = b.unsqueeze(dy, rank - 2);
        } else if (bs.length == 1) {
            dy2 = b.unsqueeze(dy, rank - 1);
        }
        long[] batch = broadcastBatch(as2, bs2);
        long m = as2[as2.length - 2];
        long k = as2[as2.length - 1];
        long n = bs2[bs2.length - 1];
        if (b.needsGrad(0)) {
            String g = b.op("MatMul", dy2, b.transpose(b2, swapLast(bs2.length)));
            long[] gs = ConvGrad.concat(batch, new long[] {m, k});
            g = reduceTo(b, g, gs, as2);
            b.addGrad(0, b.reshapeLike(g, a));
        }
        if (b.needsGrad(1)) {
            String g = b.op("MatMul", b.transpose(a2, swapLast(as2.length)), dy2);
            long[] gs = ConvGrad.concat(batch, new long[] {k, n});
            g = reduceTo(b, g, gs, bs2);
            b.addGrad(1, b.reshapeLike(g, bb));
        }
    }

    /** Sums the leading axes a lower-rank operand did not have and the batch axes it was broadcast along. */
    private static String reduceTo(Backward b, String g, long[] gs, long[] target) {
        int lead = gs.length - target.length;
        List<Long> axes = new ArrayList<>();
        for (int i = 0; i < gs.length - 2; i++) {
            int j = i - lead;
            if (j < 0 || (target[j] == 1 && gs[i] != 1)) {
                axes.add((long) i);
            }
        }
        if (axes.isEmpty()) {
            return g;
        }
        return b.reduceSum(g, axes.stream().mapToLong(Long::longValue).toArray(), true);
    }

    private static long[] broadcastBatch(long[] a, long[] b) {
        long[] x = Arrays.copyOfRange(a, 0, a.length - 2);
        long[] y = Arrays.copyOfRange(b, 0, b.length - 2);
        int r = Math.max(x.length, y.length);
        long[] o = new long[r];
        for (int i = 0; i < r; i++) {
            long p = i - (r - x.length) >= 0 ? x[i - (r - x.length)] : 1;
            long q = i - (r - y.length) >= 0 ? y[i - (r - y.length)] : 1;
            o[i] = p == 1 ? q : p;
        }
        return o;
    }

    private static long[] swapLast(int rank) {
        long[] p = ConvGrad.range(0, rank);
        p[rank - 1] = rank - 2;
        p[rank - 2] = rank - 1;
        return p;
    }

    static List<String> none() {
        return List.of();
    }
}
