package dev.glimpse.engine.graph.shapes;

import dev.glimpse.engine.graph.Attributes;
import dev.glimpse.engine.graph.ConstEval;
import dev.glimpse.engine.graph.ConstValue;
import dev.glimpse.engine.graph.ShapeContext;
import dev.glimpse.engine.graph.ShapeRule;
import dev.glimpse.engine.graph.Tensors;
import dev.glimpse.engine.onnx.Onnx.AttributeProto;

import java.util.Arrays;
import java.util.Set;

import static dev.glimpse.engine.graph.ShapeContext.FLOAT;
import static dev.glimpse.engine.graph.ShapeContext.INT64;

/**
 * Operators whose output value is known from attributes or input shapes alone, the sources of shape arithmetic:
 * Constant, Shape, Size, ConstantOfShape and Range (whose inputs must be known values).
 */
public final class ConstantShapes implements ShapeRule {

    @Override
    public Set<String> opTypes() {
        return Set.of("Constant", "Shape", "Size", "ConstantOfShape", "Range");
    }

    @Override
    public void infer(ShapeContext c) {
        switch (c.opType()) {
            case "Constant": {
                ConstValue v = constantValue(c);
                c.output(0, v.dims(), v.dataType());
                c.constantOutput(0, v);
                return;
            }
            case "Shape":
                shape(c);
                return;
            case "Size":
                c.output(0, new long[0], INT64);
                c.constantOutput(0, ConstValue.ofInts(INT64, new long[0], new long[] {Tensors.size(c.shape(0))}));
                return;
            case "ConstantOfShape": {
                long[] s = c.constInts(0, "shape");
                ConstValue fill = Attributes.getTensor(c.node(), "value").map(ConstValue::of)
                        .orElse(ConstValue.ofReals(FLOAT, new long[] {1}, new double[] {0}));
                c.output(0, s, fill.dataType());
                if (c.fitsConstant(s)) {
                    c.constantOutput(0, ConstEval.fill(fill, s));
                }
                return;
            }
            default:
                range(c);
        }
    }

    private static void shape(ShapeContext c) {
        long[] s = c.shape(0);
        int start = (int) Attributes.getInt(c.node(), "start", 0);
        int end = (int) Attributes.getInt(c.node(), "end", s.length);
        start = clampAxis(start, s.length);
        end = clampAxis(end, s.length);
        long[] v = Arrays.copyOfRange(s, start, Math.max(start, end));
        c.output(0, new long[] {v.length}, INT64);
        c.constantOutput(0, ConstValue.ofInts(INT64, new long[] {v.length}, v));
    }

    private static int clampAxis(int a, int rank) {
        if (a < 0) {
            a += rank;
        }
        return Math.max(0, Math.min(rank, a));
    }

    private static void range(ShapeContext c) {
        ConstValue st = c.constant(0);
        ConstValue li = c.constant(1);
        ConstValue de = c.constant(2);
        if (st == null || li == null || de == null) {
            throw new IllegalStateException("Range with non-constant inputs");
        }
        double a = st.real(0);
        double l = li.real(0);
        double d = de.real(0);
        int count = (int) Math.max(0, Math.ceil((l - a) / d));
        double[] v = new double[count];
        for (int i = 0; i < count; i++) {
            v[i] = a + i * d;
        }
        c.output(0, new long[] {count}, st.dataType());
        c.constantOutput(0, st.isReal() ? ConstValue.ofReals(st.dataType(), new long[] {count}, v)
                : ConstValue.ofInts(st.dataType(), new long[] {count}, Arrays.stream(v).mapToLong(x -> (long) x).toArray()));
    }

    private static ConstValue constantValue(ShapeContext c) {
        for (AttributeProto a : c.node().getAttributeList()) {
            switch (a.getName()) {
                case "value":
                    return ConstValue.of(a.getT());
                case "value_float":
                    return ConstValue.ofReals(FLOAT, new long[0], new double[] {a.getF()});
                case "value_floats":
                    return ConstValue.ofReals(FLOAT, new long[] {a.getFloatsCount()},
                            a.getFloatsList().stream().mapToDouble(Float::doubleValue).toArray());
                case "value_int":
                    return ConstValue.ofInts(INT64, new long[0], new long[] {a.getI()});
                case "value_ints":
                    return ConstValue.ofInts(INT64, new long[] {a.getIntsCount()},
                            a.getIntsList().stream().mapToLong(Long::longValue).toArray());
                default:
                    break;
            }
        }
        throw new IllegalStateException("Constant without a supported value attribute");
    }
}
