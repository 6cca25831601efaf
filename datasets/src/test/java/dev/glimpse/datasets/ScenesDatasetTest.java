package dev.glimpse.datasets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class ScenesDatasetTest {

    @Test
    void shouldRenderTheSameSceneForTheSameIndexInAnyOrder() {
        Dataset a = ScenesDataset.split().train();
        Dataset b = ScenesDataset.split().train();
        LabeledImage later = b.get(17);
        assertEquals(later, a.get(17), "example 17 is a pure function of (seed, 17)");
        assertEquals(b.get(3), a.get(3));
        assertNotEquals(a.get(3), a.get(4));
    }

    @Test
    void shouldOpenAsRgbScenesWhoseMaskIsTheObjectOfTheirClass() throws Exception {
        // Given the dataset the command line names "scenes"
        DatasetSplit split = Datasets.open("scenes");
        assertEquals(List.of("circle", "square", "triangle", "cross", "ring"), split.train().classNames());
        assertEquals("rgb", split.train().colour());
        assertEquals(64, split.train().height());
        assertNotEquals(split.train().get(0), split.test().get(0), "test scenes come from another seed");

        ScenesGenerator generator = ((ScenesDataset) split.train()).generator();
        int[] perClass = new int[5];
        for (int i = 0; i < 200; i++) {
            LabeledImage image = split.train().get(i);
            ShapesGenerator.Geometry g = generator.geometry(i);
            // Then the label is the drawn shape and the mask is exactly its pixels, a visible share of the scene
            assertEquals(g.kind().ordinal(), image.label());
            for (int y = 0; y < 64; y += 3) {
                for (int x = 0; x < 64; x += 3) {
                    assertEquals(g.covers(x, y) ? 1 : 0, image.mask()[y * 64 + x], "mask at " + x + "," + y);
                }
            }
            assertTrue(image.maskArea() > 30 && image.maskArea() < 64 * 64 / 2, "object area " + image.maskArea());
            perClass[image.label()]++;
        }
        for (int count : perClass) {
            assertTrue(count > 20, "every class drawn: " + Arrays.toString(perClass));
        }
    }
}
