package dev.glimpse.datasets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import org.junit.jupiter.api.Test;

class FashionMnistTest {

    @Test
    void shouldLoadInstalledFashionMnistWithBalancedClasses() throws IOException {
        assumeTrue(FashionMnist.isAvailable(), "Fashion-MNIST not installed at " + FashionMnist.DEFAULT_DIR
                + " (Debian package dataset-fashion-mnist)");
        DatasetSplit split = FashionMnist.load();
        assertEquals(60_000, split.train().size());
        assertEquals(10_000, split.test().size());
        assertEquals(28, split.test().height());
        assertEquals("Ankle boot", split.test().classNames().get(9));
        // The published test set has exactly 1,000 images per class.
        int[] counts = new int[10];
        for (int i = 0; i < split.test().size(); i++) {
            counts[split.test().get(i).label()]++;
        }
        for (int c : counts) {
            assertEquals(1000, c);
        }
        // The first test image of the official set is an ankle boot.
        assertEquals(9, split.test().get(0).label());
        assertTrue(split.test().get(0).toPng().length > 100);
    }
}
