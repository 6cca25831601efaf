package dev.glimpse.engine.graph;

import dev.glimpse.engine.autodiff.GradientCheck;
import dev.glimpse.engine.autodiff.SmallCnns;
import dev.glimpse.engine.exec.GradientSession;
import dev.glimpse.engine.exec.Tensor;
import dev.glimpse.engine.onnx.Onnx.TensorProto;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** OnnxModel accessors, constant folding and opset upgrade: structure checked, forward outputs unchanged in ORT. */
class ModelTransformsTest {

    private static float[] forward(OnnxModel m, String output, Tensor x) throws Exception {
        try (GradientSession s = GradientSession.open(m)) {
            return s.run(Map.of("input", x), List.of(output)).get(output).floats();
        }
    }

    @Test
    void shouldRoundTripThroughFileKeepingMetadataAndInitializers(@TempDir Path dir) throws Exception {
        OnnxModel m = SmallCnns.residual().withMetadata("labels", "a,b,c").withMetadata("labels", "x,y,z");
        m.save(dir.resolve("m.onnx"));
        OnnxModel back = OnnxModel.load(dir.resolve("m.onnx"));
        assertEquals("x,y,z", back.metadata("labels").orElseThrow());
        assertEquals(1, back.metadata().size());
        assertEquals(13, back.opsetVersion());
        assertEquals(List.of("input"), back.inputNames());
        assertArrayEquals(m.initializerFloats("c1_w"), back.initializerFloats("c1_w"));
        assertArrayEquals(new long[] {4, 4, 3, 3}, back.initializerDims("c1_w"));
    }

    @Test
    void shouldReadInitializersStoredAsFloatData() {
        TensorProto t = TensorProto.newBuilder().setName("f").setDataType(TensorProto.DataType.FLOAT_VALUE).addDims(2)
                .addFloatData(1.5f).addFloatData(-2f).build();
        OnnxModel m = new ModelBuilder(13).input("x", -1, 2).initializer(t).node("Add", new String[] {"x", "f"}, new String[] {"y"})
                .output("y").build();
        assertArrayEquals(new float[] {1.5f, -2f}, m.initializerFloats("f"));
    }

    @Test
    void shouldExposeIntermediateTensorsAsOutputsAndRejectUnknownOnes() throws Exception {
        OnnxModel m = SmallCnns.residual().withExtraOutputs(List.of("r1", "sum"));
        assertEquals(List.of("logits", "r1", "sum"), m.outputNames());
        Tensor x = Tensor.of(GradientCheck.randn(144, 3), 1, 4, 6, 6);
        assertEquals(4 * 36, forward(m, "r1", x).length);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.withExtraOutputs(List.of("nope")));
        assertTrue(e.getMessage().contains("'nope'"));
    }

    @Test
    void shouldFoldShapeChainsWithoutBakingTheBatch() throws Exception {
        OnnxModel m = SmallCnns.concatBlock();
        OnnxModel folded = ConstantFolding.fold(m);
        // the Gather of dimension 0 depends on the batch: still computed; nothing else of the chain is
        assertTrue(folded.nodes().stream().anyMatch(n -> n.getOpType().equals("Shape")));
        for (int batch : new int[] {1, 3}) {
            Tensor x = Tensor.of(GradientCheck.randn(batch * 75, batch), batch, 3, 5, 5);
            assertArrayEquals(forward(m, "logits", x), forward(folded, "logits", x), 1e-6f);
        }
    }

    @Test
    void shouldFoldConstantsIdentityAndStaticReshapeTargets() throws Exception {
        OnnxModel m = new ModelBuilder(13).input("input", -1, 2, 3)
                .node("Constant", new String[0], new String[] {"k"}, Attributes.ofTensor("value", Tensors.longs1d("v", 3, 2)))
                .node("Shape", "input", "s").longs("one", 1).longs("three", 3)
                .node("Slice", new String[] {"s", "one", "three"}, new String[] {"tail"})
                .node("ReduceProd", "tail", "prod", Attributes.ofInt("keepdims", 1))
                .longs("m1", -1).node("Concat", new String[] {"m1", "prod"}, new String[] {"target"}, Attributes.ofInt("axis", 0))
                .node("Identity", "input", "i").node("Reshape", new String[] {"i", "target"}, new String[] {"flat"})
                .node("Dropout", "flat", "d").node("Relu", "d", "logits").output("logits").build();
        OnnxModel folded = ConstantFolding.fold(m);
        List<String> ops = folded.nodes().stream().map(n -> n.getOpType()).toList();
        assertEquals(List.of("Reshape", "Relu"), ops);
        Tensor x = Tensor.of(GradientCheck.randn(12, 9), 2, 2, 3);
        assertArrayEquals(forward(m, "logits", x), forward(folded, "logits", x), 0f);
    }

    @Test
    void shouldCarryWeightsThroughFoldingWithoutDecodingThem() throws Exception {
        // Given a weight reached through Identity (folded into a new initializer) and a Reshape target (whose value
        // shape inference needs)
        float[] w = GradientCheck.randn(6, 4);
        OnnxModel m = new ModelBuilder(13).input("input", -1, 6).initializer("w", w, 6)
                .node("Identity", "w", "w_id").node("Mul", new String[] {"input", "w_id"}, new String[] {"y"})
                .longs("target", -1, 2, 3).node("Reshape", new String[] {"y", "target"}, new String[] {"logits"})
                .output("logits").build();
        // When folded
        OnnxModel folded = ConstantFolding.fold(m);
        // Then the folded weight holds the very bytes of the original (copied by reference, never turned into numbers
        // and back), the reshape target's value was read, and the forward result is unchanged
        assertTrue(folded.isInitializer("w_id"));
        assertTrue(folded.initializers().get("w_id").getRawData() == m.initializers().get("w").getRawData());
        assertArrayEquals(new long[] {-1, 2, 3}, ShapeInference.infer(m, 1).constant("target").orElseThrow().longs());
        assertArrayEquals(new long[] {1, 2, 3}, ShapeInference.infer(folded, 1).shape("logits"));
        Tensor x = Tensor.of(GradientCheck.randn(12, 5), 2, 6);
        assertArrayEquals(forward(m, "logits", x), forward(folded, "logits", x), 0f);
    }

    @Test
    void shouldDecodeAWeightOnlyWhenItsValueIsCompared() {
        TensorProto t = Tensors.floats("w", new float[] {1f, -2f, 3f}, 3);
        ConstValue a = ConstValue.of(t);
        ConstValue b = ConstValue.of(t);
        assertTrue(a.sameAs(b), "two readings of one tensor are equal");
        assertEquals(3, a.size());
        assertTrue(a.isReal());
        assertArrayEquals(new double[] {1, -2, 3}, a.doubles(), 0);
        ConstValue c = ConstValue.of(Tensors.floats("v", new float[] {1f, -2f, 4f}, 3));
        assertFalse(a.sameAs(c), "different data");
        assertTrue(a.sameAs(ConstValue.ofReals(TensorProto.DataType.FLOAT_VALUE, new long[] {3}, new double[] {1, -2, 3})));
    }

    @Test
    void shouldUpgradeOldOpsetsWithoutChangingTheForwardResult() throws Exception {
        OnnxModel old = new ModelBuilder(9).input("input", -1, 3, 4, 4)
                .node("Unsqueeze", "input", "u", Attributes.ofInts("axes", 1)).node("Squeeze", "u", "s", Attributes.ofInts("axes", 1))
                .node("Clip", "s", "c", Attributes.ofFloat("min", -0.5f), Attributes.ofFloat("max", 0.5f))
                .node("Pad", "c", "p", Attributes.ofInts("pads", 0, 0, 1, 1, 0, 0, 1, 1), Attributes.ofFloat("value", 0.25f))
                .node("Slice", "p", "sl", Attributes.ofInts("starts", 1), Attributes.ofInts("ends", 5), Attributes.ofInts("axes", 2))
                .node("ReduceSum", "sl", "r", Attributes.ofInts("axes", 3), Attributes.ofInt("keepdims", 1))
                .node("Split", new String[] {"r"}, new String[] {"a", "b"}, Attributes.ofInt("axis", 1), Attributes.ofInts("split", 1, 2))
                .node("Flatten", "b", "f").node("Softmax", "f", "logits", Attributes.ofInt("axis", 1))
                .output("logits").build();
        ShapeInference.Result r = ShapeInference.infer(old, 1);
        OnnxModel up = OpsetUpgrade.upgrade(old, r);
        assertEquals(17, up.opsetVersion());
        assertFalse(OpsetUpgrade.blocker(old).isPresent());
        Tensor x = Tensor.of(GradientCheck.randn(48 * 2, 4), 2, 3, 4, 4);
        assertArrayEquals(forward(old, "logits", x), forward(up, "logits", x), 1e-6f);
    }

    @Test
    void shouldUpgradeScattersOfOpset13WithoutChangingTheForwardResult() throws Exception {
        // as torch 1.13 writes Swin's shifted-window mask: slice assignment as ScatterND, no reduction attribute
        OnnxModel old = new ModelBuilder(13).input("input", -1, 3)
                .initializer(Tensors.longs("indices", new long[] {2, 0}, 2, 1))
                .initializer("updates", new float[] {7f, -3f, 5f, 1f, 2f, 4f}, 2, 3)
                .initializer(Tensors.longs("positions", new long[] {1, 0, 2}, 1, 3))
                .initializer("row", new float[] {9f, 8f, 6f}, 1, 3)
                .node("ScatterND", new String[] {"input", "indices", "updates"}, new String[] {"s"})
                .node("ScatterElements", new String[] {"s", "positions", "row"}, new String[] {"logits"},
                        Attributes.ofInt("axis", 1))
                .output("logits").build();
        assertFalse(OpsetUpgrade.blocker(old).isPresent());
        OnnxModel up = OpsetUpgrade.upgrade(old, ShapeInference.infer(old, 1));
        assertEquals(17, up.opsetVersion());
        Tensor x = Tensor.of(GradientCheck.randn(12, 5), 4, 3);
        float[] expected = x.floats().clone();
        System.arraycopy(new float[] {8f, 9f, 6f}, 0, expected, 0, 3); // row 0: ScatterElements wrote over ScatterND
        System.arraycopy(new float[] {7f, -3f, 5f}, 0, expected, 6, 3); // row 2: ScatterND's first update
        assertArrayEquals(expected, forward(up, "logits", x), 1e-6f);
        assertArrayEquals(forward(old, "logits", x), forward(up, "logits", x), 1e-6f);
    }

    @Test
    void shouldKeepTheOpsetAndNameTheBlockerWhenAnOperatorCannotBeCarriedOver() {
        OnnxModel m = new ModelBuilder(9).input("input", -1, 3).node("Upsample", "input", "y").output("y").build();
        assertEquals("Upsample", OpsetUpgrade.blocker(m).orElseThrow());
        assertEquals(9, OpsetUpgrade.upgrade(m, null).opsetVersion());
    }
}
