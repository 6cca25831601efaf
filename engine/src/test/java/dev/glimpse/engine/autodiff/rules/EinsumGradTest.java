package dev.glimpse.engine.autodiff.rules;

import dev.glimpse.engine.autodiff.GradientCheck;
import dev.glimpse.engine.autodiff.GradientGraphBuilder;
import dev.glimpse.engine.autodiff.UnsupportedOperatorException;
import dev.glimpse.engine.graph.Attributes;
import dev.glimpse.engine.graph.ModelBuilder;
import dev.glimpse.engine.graph.OnnxModel;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Einsum in the equations exporters emit, against finite differences. */
class EinsumGradTest {

    private static OnnxModel einsum(String equation, long[] a, long[] b) {
        return new ModelBuilder(12).input("a", a).input("b", b)
                .node("Einsum", new String[] {"a", "b"}, new String[] {"y"}, Attributes.ofString("equation", equation))
                .output("y").build();
    }

    @Test
    void shouldMatchFiniteDifferencesForAttentionScoresAndWeightedValues() throws Exception {
        GradientCheck.of(einsum("bhid,bhjd->bhij", new long[] {-1, 2, 3, 4}, new long[] {-1, 2, 5, 4}))
                .randomInput("a", 2, 2, 3, 4).randomInput("b", 2, 2, 5, 4).wrt("a", "b").verify();
        GradientCheck.of(einsum("bhij,bhjd->bhid", new long[] {-1, 2, 3, 5}, new long[] {-1, 2, 5, 4}))
                .randomInput("a", 2, 2, 3, 5).randomInput("b", 2, 2, 5, 4).wrt("a", "b").verify();
    }

    @Test
    void shouldMatchFiniteDifferencesForEllipsisAndImplicitOutput() throws Exception {
        GradientCheck.of(einsum("...ij,...jk->...ik", new long[] {-1, 3, 4}, new long[] {-1, 4, 5}))
                .randomInput("a", 2, 3, 4).randomInput("b", 2, 4, 5).wrt("a", "b").verify();
        // implicit output "bij,bjk" = "bij,bjk->bik"
        GradientCheck.of(einsum("bij,bjk", new long[] {-1, 3, 4}, new long[] {-1, 4, 5}))
                .randomInput("a", 2, 3, 4).randomInput("b", 2, 4, 5).wrt("a", "b").verify();
        // a channel-weighted sum as in CAM-style heads: "nchw,nc->nhw"
        GradientCheck.of(einsum("nchw,nc->nhw", new long[] {-1, 3, 4, 5}, new long[] {-1, 3}))
                .randomInput("a", 2, 3, 4, 5).randomInput("b", 2, 3).wrt("a", "b").verify();
    }

    @Test
    void shouldNameADiagonalEquationBeforeAnythingRuns() {
        OnnxModel m = new ModelBuilder(12).input("a", -1, 3, 3)
                .node("Einsum", new String[] {"a"}, new String[] {"y"}, Attributes.ofString("equation", "bii->bi"))
                .output("y").build();
        var e = assertThrows(UnsupportedOperatorException.class,
                () -> GradientGraphBuilder.forModel(m).differentiate("y").wrt("a").build());
        assertTrue(e.getMessage().contains("repeats 'i'"), e.getMessage());
    }
}
