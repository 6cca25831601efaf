package dev.glimpse.training;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.glimpse.datasets.LabeledImage;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EvaluationTest {

    @Test
    void shouldPrintPerClassLinesInTheSeedFormat() {
        // Given 1000 coats of which 850 were recognised, and 3 of 4 trousers (75%)
        long[][] confusion = {{850, 150}, {1, 3}};
        Evaluation e = new Evaluation(List.of("Coat", "Trouser"), confusion, 0.5);

        assertEquals(List.of("Test Accuracy of Coat: 85% (850/1000)", "Test Accuracy of Trouser: 75% (3/4)"),
                e.perClassLines());
        assertEquals("Test Accuracy (Overall): 84% (853/1004)", e.overallLine());
        assertEquals(853 / 1004.0, e.accuracy(), 1e-12);
        Map<String, Object> json = e.asMap();
        assertEquals(1004L, json.get("total"));
    }

    @Test
    void shouldFloorPercentagesLikeIntegerDivision() {
        // 2/3 = 66.67% is printed as 66%, as the seed's integer arithmetic does
        Evaluation e = new Evaluation(List.of("a", "b"), new long[][]{{2, 1}, {0, 0}}, 0);
        assertEquals("Test Accuracy of a: 66% (2/3)", e.perClassLines().get(0));
        assertEquals("Test Accuracy of b: N/A (no test examples)", e.perClassLines().get(1));
    }

    @Test
    void shouldNormaliseAndShiftWithEdgeReplication() {
        // Given a 1x3 gray row 0, 255, 51 and mean 0.2, std 0.5
        LabeledImage img = new LabeledImage("x", 1, 1, 3, new byte[]{0, (byte) 255, 51}, 0);
        Normalization n = new Normalization(new float[]{0.2f}, new float[]{0.5f});
        float[] out = new float[3];

        n.write(img, out, 0);
        assertEquals(-0.4f, out[0], 1e-6);
        assertEquals(1.6f, out[1], 1e-6);
        assertEquals(0.0f, out[2], 1e-6);

        // shifted right by one: the first pixel repeats the left edge
        n.write(img, out, 0, 1, 0, false);
        assertEquals(-0.4f, out[0], 1e-6);
        assertEquals(-0.4f, out[1], 1e-6);
        assertEquals(1.6f, out[2], 1e-6);

        // mirrored
        n.write(img, out, 0, 0, 0, true);
        assertEquals(0.0f, out[0], 1e-6);
        assertEquals(-0.4f, out[2], 1e-6);
    }
}
