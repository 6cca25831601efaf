package dev.glimpse.console;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The model page on a 224-px model: once {@link ModelPage#precompute()} ran (the console does it in the background
 * at start), everything the page loads — inspect table, architecture, filters, activation maximisation and the filter
 * responses to an image — takes under 5 s. The model is given with {@code -Dglimpse.console.model224=M.onnx} (an
 * imported torchvision model, e.g. MobileNetV2 through {@code ./glimpse models import --preset imagenet}); without it
 * the test is skipped, saying so: no 224-px model ships with the repository (tens of MB).
 */
class ModelPageTimingTest {

    @Test
    void shouldServeTheModelPageOfA224PixelModelWithinFiveSecondsOncePrecomputed() throws Exception {
        String property = System.getProperty("glimpse.console.model224");
        Assumptions.assumeTrue(property != null && Files.isRegularFile(Path.of(property)),
                "set -Dglimpse.console.model224=M.onnx to a 224-px model with its contract (none ships with the repository)");
        try (ModelPage page = new ModelPage(Path.of(property))) {
            long t0 = System.nanoTime();
            page.precompute();
            double precomputeS = (System.nanoTime() - t0) / 1e9;

            long t1 = System.nanoTime();
            assertTrue(page.inspectJson().length() > 100);
            assertTrue(page.svg().length() > 100);
            assertTrue(page.filtersPng().length > 100);
            assertTrue(page.activationMaxPng().length > 100);
            byte[] responses = page.filterResponsesPng(photo(300, 200));
            double pageS = (System.nanoTime() - t1) / 1e9;
            System.out.printf("model page of %s: precompute %.1f s (at console start), page content %.2f s%n", property,
                    precomputeS, pageS);
            assertTrue(responses.length > 100);
            assertTrue(pageS < 5, "page content took " + pageS + " s");
        }
    }

    /** A colourful gradient picture, so that the first-layer responses differ between filters. */
    private static byte[] photo(int w, int h) throws Exception {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, ((x * 255 / w) << 16) | ((y * 255 / h) << 8) | ((x + y) % 64 < 32 ? 200 : 40));
            }
        }
        try (ByteArrayOutputStream out = new ByteArrayOutputStream()) {
            ImageIO.write(img, "png", out);
            return out.toByteArray();
        }
    }
}
