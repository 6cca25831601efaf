package dev.glimpse.engine.autodiff;

import dev.glimpse.engine.autodiff.rules.ActivationGrad;
import dev.glimpse.engine.autodiff.rules.AveragePoolGrad;
import dev.glimpse.engine.autodiff.rules.BatchNormalizationGrad;
import dev.glimpse.engine.autodiff.rules.ClipGrad;
import dev.glimpse.engine.autodiff.rules.ConcatGrad;
import dev.glimpse.engine.autodiff.rules.ConvGrad;
import dev.glimpse.engine.autodiff.rules.EinsumGrad;
import dev.glimpse.engine.autodiff.rules.ElementwiseGrad;
import dev.glimpse.engine.autodiff.rules.GatherGrad;
import dev.glimpse.engine.autodiff.rules.GemmGrad;
import dev.glimpse.engine.autodiff.rules.GlobalPoolGrad;
import dev.glimpse.engine.autodiff.rules.GroupNormalizationGrad;
import dev.glimpse.engine.autodiff.rules.InstanceNormalizationGrad;
import dev.glimpse.engine.autodiff.rules.LayerNormalizationGrad;
import dev.glimpse.engine.autodiff.rules.IdentityGrad;
import dev.glimpse.engine.autodiff.rules.LrnGrad;
import dev.glimpse.engine.autodiff.rules.MatMulGrad;
import dev.glimpse.engine.autodiff.rules.MaxPoolGrad;
import dev.glimpse.engine.autodiff.rules.PadGrad;
import dev.glimpse.engine.autodiff.rules.ReduceGrad;
import dev.glimpse.engine.autodiff.rules.ReluGrad;
import dev.glimpse.engine.autodiff.rules.ReshapeGrad;
import dev.glimpse.engine.autodiff.rules.ResizeGrad;
import dev.glimpse.engine.autodiff.rules.SliceGrad;
import dev.glimpse.engine.autodiff.rules.SoftmaxGrad;
import dev.glimpse.engine.autodiff.rules.SplitGrad;
import dev.glimpse.engine.autodiff.rules.TransposeGrad;
import dev.glimpse.engine.autodiff.rules.UnaryMathGrad;

import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/** The registry of gradient rules: operator type → rule. */
public final class GradientRules {

    private final Map<String, GradientRule> byOp;

    private GradientRules(Map<String, GradientRule> byOp) {
        this.byOp = Collections.unmodifiableMap(byOp);
    }

    /** Every rule shipped with the engine. */
    public static GradientRules standard() {
        return of(new ConvGrad(), new MaxPoolGrad(), new AveragePoolGrad(), new GlobalPoolGrad(), new ReluGrad(),
                new ClipGrad(), new ActivationGrad(), new ElementwiseGrad(), new GemmGrad(), new MatMulGrad(),
                new ReshapeGrad(), new TransposeGrad(), new ConcatGrad(), new SplitGrad(), new SliceGrad(),
                new PadGrad(), new IdentityGrad(), new BatchNormalizationGrad(), new SoftmaxGrad(), new ReduceGrad(),
                new LrnGrad(), new UnaryMathGrad(), new GatherGrad(), new LayerNormalizationGrad(),
                new InstanceNormalizationGrad(), new GroupNormalizationGrad(), new ResizeGrad(), new EinsumGrad());
    }

    public static GradientRules of(GradientRule... rules) {
        Map<String, GradientRule> m = new TreeMap<>();
        for (GradientRule r : rules) {
            for (String op : r.opTypes()) {
                if (m.put(op, r) != null) {
                    throw new IllegalArgumentException("two gradient rules for operator " + op);
                }
            }
        }
        return new GradientRules(m);
    }

    /** A registry with {@code rule} added (replacing existing rules for its operators). */
    public GradientRules with(GradientRule rule) {
        Map<String, GradientRule> m = new TreeMap<>(byOp);
        for (String op : rule.opTypes()) {
            m.put(op, rule);
        }
        return new GradientRules(m);
    }

    public Optional<GradientRule> find(String opType) {
        return Optional.ofNullable(byOp.get(opType));
    }

    /** Operator types with a rule, sorted. */
    public Set<String> supportedOps() {
        return byOp.keySet();
    }
}
