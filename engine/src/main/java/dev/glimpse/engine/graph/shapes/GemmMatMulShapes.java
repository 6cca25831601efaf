package dev.glimpse.engine.graph.shapes;

import dev.glimpse.engine.graph.Attributes;
import dev.glimpse.engine.graph.ShapeContext;
import dev.glimpse.engine.graph.ShapeInference;
import dev.glimpse.engine.graph.ShapeRule;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/** Gemm (2-D, transA/transB) and MatMul (numpy semantics: 1-D operands promoted, batch dimensions broadcast). */
public final class GemmMatMulShapes implements ShapeRule {

    @Override
    public Set<String> opTypes() {
        return Set.of("Gemm", "MatMul");
    }

    @Override
    public void infer(ShapeContext c) {
        if (c.opType().equals("Gemm")) {
            long[] a = c.shape(0);
            long[] b = c.shape(1);
            long m = Attributes.getInt(c.node(), "transA", 0) == 1 ? a[1] : a[0];
            long n = Attributes.getInt(c.node(), "transB", 0) == 1 ? b[0] : b[1];
            c.output(0, new long[] {m, n}, c.type(0));
        } else {
            c.output(0, matmulShape(c.shape(0), c.shape(1)), c.type(0));
        }
    }

    private static long[] matmulShape(long[] a, long[] b) {
        long[] a2 = a.length == 1 ? new long[] {1, a[0]} : a;
        long[] b2 = b.length == 1 ? new long[] {b[0], 1} : b;
        if (a2[a2.length - 1] != b2[b2.length - 2]) {
            throw new IllegalArgumentException("MatMul inner dimensions differ: " + Arrays.toString(a) + " x " + Arrays.toString(b));
        }
        long[] batch = ShapeInference.broadcast(Arrays.copyOfRange(a2, 0, a2.length - 2), Arrays.copyOfRange(b2, 0, b2.length - 2));
        List<Long> o = new ArrayList<>();
        for (long d : batch) {
            o.add(d);
        }
        if (a.length > 1) {
            o.add(a2[a2.length - 2]);
        }
        if (b.length > 1) {
            o.add(b2[b2.length - 1]);
        }
        return o.stream().mapToLong(Long::longValue).toArray();
    }
}
