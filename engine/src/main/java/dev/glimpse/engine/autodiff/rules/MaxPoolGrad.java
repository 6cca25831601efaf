package dev.glimpse.engine.autodiff.rules;

import dev.glimpse.engine.autodiff.Backward;
import dev.glimpse.engine.autodiff.GradientRule;
import dev.glimpse.engine.graph.Attributes;
import dev.glimpse.engine.onnx.Onnx.AttributeProto;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * MaxPool (pads, strides, dilations, ceil_mode, auto_pad): the pooling is re-run with its Indices output (flat
 * positions of each window's first maximum) and dY is scatter-added to those positions, so overlapping windows
 * accumulate. Needs ScatterElements with reduction (opset 16+; older models are upgraded first).
 */
public final class MaxPoolGrad implements GradientRule {

    @Override
    public Set<String> opTypes() {
        return Set.of("MaxPool");
    }

    @Override
    public String unsupportedReason(Backward b) {
        return b.opset() < 16 ? "its gradient needs opset 16 and the model could not be upgraded" : null;
    }

    @Override
    public void backward(Backward b) {
        if (!b.needsGrad(0)) {
            return;
        }
        String x = b.input(0);
        List<AttributeProto> attrs = new ArrayList<>();
        for (AttributeProto a : b.node().getAttributeList()) {
            if (!a.getName().equals("storage_order")) {
                attrs.add(a);
            }
        }
        String[] pooled = b.opN("MaxPool", 2, List.of(x), attrs.toArray(AttributeProto[]::new));
        String flatShape = b.ints(-1);
        String zeros = b.reshape(b.zerosLike(x), flatShape);
        String idx = b.reshape(pooled[1], flatShape);
        String upd = b.reshape(b.gradOut(0), flatShape);
        String scattered = b.op("ScatterElements", List.of(zeros, idx, upd), Attributes.ofInt("axis", 0),
                Attributes.ofString("reduction", "add"));
        b.addGrad(0, b.reshapeLike(scattered, x));
    }
}
