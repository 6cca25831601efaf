package dev.glimpse.datasets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.awt.image.BufferedImage;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

class ShapesGeneratorTest {

    @Test
    void shouldProduceIdenticalExamplesForSameSeedInAnyOrder() {
        ShapesGenerator a = new ShapesGenerator(ShapesConfig.DEFAULT);
        ShapesGenerator b = new ShapesGenerator(ShapesConfig.DEFAULT);
        LabeledImage later = b.generate(17);
        for (int i = 0; i < 20; i++) {
            assertEquals(a.generate(i), b.generate(i), "example " + i);
        }
        assertEquals(later, a.generate(17));
        assertNotEquals(a.generate(3), new ShapesGenerator(ShapesConfig.DEFAULT.withSeed(43)).generate(3));
    }

    @Test
    void shouldKeepMaskInsideImageAndCoverExactlyTheDrawnObject() {
        // Given no noise, so every pixel that differs from the flat background belongs to the object
        for (int channels : new int[]{1, 3}) {
            ShapesConfig cfg = new ShapesConfig(32, channels, 6, 0.0, 7);
            ShapesGenerator gen = new ShapesGenerator(cfg);
            for (int i = 0; i < 200; i++) {
                LabeledImage img = gen.generate(i);
                ShapesGenerator.Geometry g = gen.geometry(i);
                byte[] mask = img.mask();
                assertEquals(32 * 32, mask.length);
                assertTrue(img.maskArea() >= 20, "mask too small for example " + i + ": " + img.maskArea());
                // Mask stays within the shape's circumscribed disc, which itself lies inside the image
                assertTrue(g.centerX() - g.radius() >= 0 && g.centerX() + g.radius() <= 32);
                assertTrue(g.centerY() - g.radius() >= 0 && g.centerY() + g.radius() <= 32);
                int bgIndex = backgroundPixel(mask);
                for (int y = 0; y < 32; y++) {
                    for (int x = 0; x < 32; x++) {
                        boolean inMask = mask[y * 32 + x] != 0;
                        double dx = x + 0.5 - g.centerX();
                        double dy = y + 0.5 - g.centerY();
                        if (inMask) {
                            assertTrue(Math.hypot(dx, dy) <= g.radius() + 1e-9, "mask pixel outside shape extent");
                        }
                        boolean differs = false;
                        for (int c = 0; c < channels; c++) {
                            differs |= img.pixels()[(c * 32 + y) * 32 + x] != img.pixels()[c * 1024 + bgIndex];
                        }
                        assertEquals(inMask, differs, "example " + i + " pixel (" + x + "," + y + ")");
                    }
                }
                assertEquals(g.kind().ordinal(), img.label());
            }
        }
    }

    private static int backgroundPixel(byte[] mask) {
        for (int i = 0; i < mask.length; i++) {
            if (mask[i] == 0) {
                return i;
            }
        }
        throw new AssertionError("no background pixel");
    }

    @Test
    void shouldDrawAllClassesRoughlyEvenly() {
        ShapesDataset ds = new ShapesDataset(ShapesConfig.DEFAULT, 0, 1000, "t");
        int[] counts = new int[ds.numClasses()];
        for (int i = 0; i < ds.size(); i++) {
            counts[ds.get(i).label()]++;
        }
        for (int c : counts) {
            assertTrue(c > 150 && c < 250, java.util.Arrays.toString(counts));
        }
        assertEquals(java.util.List.of("circle", "square", "triangle", "cross", "ring"), ds.classNames());
    }

    @Test
    void shouldUseDisjointStreamsForTrainAndTest() {
        DatasetSplit split = ShapesDataset.split(ShapesConfig.DEFAULT, 10, 10);
        assertFalse(java.util.Arrays.equals(split.train().get(0).pixels(), split.test().get(0).pixels()));
    }

    @Test
    void shouldRoundTripThroughPng() throws IOException {
        LabeledImage rgb = new ShapesGenerator(new ShapesConfig(64, 3, 5, 0.1, 1)).generate(0);
        byte[] png = rgb.toPng();
        BufferedImage read = ImageIO.read(new ByteArrayInputStream(png));
        assertEquals(64, read.getWidth());
        LabeledImage back = PngCodec.decode("x", png, 3, rgb.label());
        assertArrayEquals(rgb.pixels(), back.pixels());
        LabeledImage gray = new ShapesGenerator(ShapesConfig.DEFAULT).generate(5);
        assertArrayEquals(gray.pixels(), PngCodec.decode("g", gray.toPng(), 1, 0).pixels());
        assertTrue(PngCodec.encodeMask(gray).length > 0);
    }

    @Test
    void shouldRejectInvalidConfigNamingTheValue() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ShapesConfig(32, 2, 5, 0.1, 1));
        assertTrue(e.getMessage().contains("channels") && e.getMessage().contains("2"));
        assertThrows(IllegalArgumentException.class, () -> new ShapesConfig(32, 1, 9, 0.1, 1));
    }
}
