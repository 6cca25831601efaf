package dev.glimpse.explain.inspect;

import static dev.glimpse.explain.testing.GraphBuilder.ints;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.glimpse.engine.onnx.Onnx;
import dev.glimpse.explain.testing.GraphBuilder;
import org.junit.jupiter.api.Test;

class ModelInspectorTest {

    @Test
    void shouldGiveThreeByThreeThenTwoByTwoWithReceptiveFieldSevenForStridedPaddedConvs() throws Exception {
        // Given two 3x3 convs, padding 1, stride 2, on a 5x5 input (Dumoulin & Visin's example)
        GraphBuilder b = new GraphBuilder(1).input("x", 1, 1, 5, 5);
        String c1 = b.node("Conv", new String[] {"x", b.initializer("w1", null, 0.3, 1, 1, 3, 3)},
                ints("kernel_shape", 3, 3), ints("pads", 1, 1, 1, 1), ints("strides", 2, 2));
        String c2 = b.node("Conv", new String[] {c1, b.initializer("w2", null, 0.3, 1, 1, 3, 3)},
                ints("kernel_shape", 3, 3), ints("pads", 1, 1, 1, 1), ints("strides", 2, 2));
        Onnx.ModelProto m = b.output(c2).build();

        // When inspected
        ModelReport r = inspect(m);

        // Then 3x3 with field 3, jump 2; then 2x2 with field 7, jump 4; both centred on the first pixel
        LayerReport l1 = r.layerProducing(c1);
        LayerReport l2 = r.layerProducing(c2);
        assertArrayEquals(new long[] {1, 3, 3}, l1.outputShape());
        assertArrayEquals(new long[] {1, 2, 2}, l2.outputShape());
        assertEquals(new ReceptiveField(3, 2, 0.5), l1.receptiveFieldH());
        assertEquals(new ReceptiveField(7, 4, 0.5), l2.receptiveFieldH());
        assertEquals(new ReceptiveField(7, 4, 0.5), l2.receptiveFieldW());
        assertEquals(9 * 9 + 4 * 9, r.totalMacs());
    }

    @Test
    void shouldCountParametersOfConvPoolFullyConnectedNetwork() throws Exception {
        // Given conv(10 filters 5x5) -> maxpool 2 -> flatten -> fully connected 200, on 1x30x30
        GraphBuilder b = new GraphBuilder(2).input("x", 1, 1, 30, 30);
        String conv = b.node("Conv", new String[] {"x", b.initializer("w", null, 0.1, 10, 1, 5, 5), b.initializer("bias", null, 0.1, 10)},
                ints("kernel_shape", 5, 5));
        String pool = b.node("MaxPool", new String[] {conv}, ints("kernel_shape", 2, 2), ints("strides", 2, 2));
        String flat = b.node("Flatten", new String[] {pool});
        String fc = b.node("Gemm", new String[] {flat, b.initializer("fcw", null, 0.01, 200, 1690), b.initializer("fcb", null, 0.01, 200)},
                GraphBuilder.i("transB", 1));
        ModelReport r = inspect(b.output(fc).build());

        assertEquals(250 + 10, r.layerProducing(conv).parameters());
        assertArrayEquals(new long[] {10, 26, 26}, r.layerProducing(conv).outputShape());
        assertEquals(1690, r.layerProducing(pool).outputElements());
        assertEquals(1690 * 200 + 200, r.layerProducing(fc).parameters());
        assertEquals(338_460, r.totalParameters());
        // MACs: conv 10*26*26 outputs x 25 taps, fc 1690 x 200
        assertEquals(10L * 26 * 26 * 25 + 1690L * 200, r.totalMacs());
        // receptive fields: conv 5 (jump 1), pool 6 (jump 2); the fully connected output is not spatial
        assertEquals(new ReceptiveField(5, 1, 2.5), r.layerProducing(conv).receptiveFieldH());
        assertEquals(new ReceptiveField(6, 2, 3.0), r.layerProducing(pool).receptiveFieldH());
        assertNull(r.layerProducing(fc).receptiveFieldH());
    }

    @Test
    void shouldDrawResidualEdgeAndEmitJsonTotals() throws Exception {
        // Given a conv whose output is added back to its input (a residual block)
        GraphBuilder b = new GraphBuilder(3).input("x", 1, 2, 6, 6);
        String c1 = b.node("Conv", new String[] {"x", b.initializer("w1", null, 0.3, 2, 2, 3, 3)}, ints("pads", 1, 1, 1, 1));
        String relu = b.node("Relu", new String[] {c1});
        String c2 = b.node("Conv", new String[] {relu, b.initializer("w2", null, 0.3, 2, 2, 3, 3)}, ints("pads", 1, 1, 1, 1));
        String add = b.node("Add", new String[] {c2, "x"});
        ModelReport r = inspect(b.output(add).build());

        // Then the SVG has a residual arc, and the JSON carries totals and the add's receptive field (5)
        String svg = ArchitectureSvg.render(r);
        org.junit.jupiter.api.Assertions.assertTrue(svg.contains("<title>residual</title>"), svg);
        var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(ReportFormat.json(r));
        assertEquals(72, json.get("totalParameters").asLong());
        assertEquals(5, json.get("layers").get(3).get("receptiveField").get("size").get(0).asInt());
        org.junit.jupiter.api.Assertions.assertTrue(ReportFormat.table(r).contains("total parameters 72"));
    }

    @Test
    void shouldShowTheOutputTensorThatLayerTakesOnEveryTableRow() throws Exception {
        // Given a conv and a relu
        GraphBuilder b = new GraphBuilder(4).input("x", 1, 1, 8, 8);
        String conv = b.node("Conv", new String[] {"x", b.initializer("w", null, 0.1, 2, 1, 3, 3)});
        String relu = b.node("Relu", new String[] {conv});
        ModelReport r = inspect(b.output(relu).build());

        // Then the header names the column and each layer's row ends with its output tensor, the name --layer takes
        String[] lines = ReportFormat.table(r).split("\\R");
        org.junit.jupiter.api.Assertions.assertTrue(lines[1].endsWith("output tensor (--layer)"), lines[1]);
        for (int i = 0; i < r.layers().size(); i++) {
            LayerReport l = r.layers().get(i);
            org.junit.jupiter.api.Assertions.assertTrue(lines[2 + i].endsWith(" " + l.output()), lines[2 + i]);
        }
        assertEquals(conv, r.layerProducing(conv).output());
    }

    private static ModelReport inspect(Onnx.ModelProto m) throws Exception {
        ModelShapes.Shapes s = ModelShapes.of(m);
        assertEquals("static shape inference", s.source());
        return ModelInspector.inspect(m, s.shapes());
    }
}
