package dev.glimpse.explain.render;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glimpse.explain.Tensor;
import dev.glimpse.runtime.DecodedImage;
import dev.glimpse.runtime.GraphFacts;
import dev.glimpse.runtime.InputGeometry;
import dev.glimpse.runtime.ModelMetadata;
import dev.glimpse.runtime.ModelMetadataKeys;
import dev.glimpse.runtime.Preprocessor;
import java.awt.image.BufferedImage;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OriginalImageOverlayTest {

    private static final GraphFacts RGB_50 = new GraphFacts("g", "x", new long[] {-1, 3, 50, 50}, "y", new long[] {-1, 2});
    private static final int GRAY = 128;

    private static Preprocessor preprocessor(String resizeMode, String resize, String crop) {
        Map<String, String> props = new HashMap<>(Map.of(ModelMetadataKeys.INPUT_COLOUR, "rgb",
                ModelMetadataKeys.INPUT_SIZE, "50x50", ModelMetadataKeys.INPUT_MEAN, "[0]",
                ModelMetadataKeys.INPUT_STD, "[1]", ModelMetadataKeys.INPUT_RESIZE_MODE, resizeMode,
                ModelMetadataKeys.INPUT_CROP, crop));
        if (resize != null) {
            props.put(ModelMetadataKeys.INPUT_RESIZE, resize);
        }
        return new Preprocessor(ModelMetadata.parse(props, RGB_50));
    }

    /** A uniform gray 200x100 original (wider than tall). */
    private static DecodedImage wideGray() {
        byte[] px = new byte[200 * 100 * 3];
        Arrays.fill(px, (byte) GRAY);
        return new DecodedImage(200, 100, 3, px);
    }

    /** A 5x5 map (a CAM at the layer's resolution) that is 1 in one cell and 0 elsewhere. */
    private static Tensor hotCell(int row, int col) {
        float[] m = new float[25];
        m[row * 5 + col] = 1;
        return new Tensor(new int[] {5, 5}, m);
    }

    @Test
    void shouldDrawACenterCropHeatmapOnlyOverTheCroppedCentreAtTheOriginalPixelsTheModelSaw() {
        // Given a 200x100 original fed as Resize(50) -> CenterCrop(50): resized to 100x50, the crop starts at x = 25,
        // so the model sees original x in [50, 150) and all of y
        OriginalImage original = OriginalImage.of(wideGray(), preprocessor("shorter", "50", "center"));
        InputGeometry g = original.geometry();
        assertEquals(25, g.offsetX());
        assertEquals(0, g.offsetY());
        // and a map hot in row 1, column 3: model x in [30, 40), y in [10, 20) = original x in [110, 130), y in [20, 40)
        Tensor map = hotCell(1, 3);

        // When the map is drawn back onto the original
        Tensor onOriginal = Maps.toOriginal(map, g, 200, 100);

        // Then its hottest pixel is at the centre of that original region (not at x = 140 where stretching puts it)
        int best = -1;
        for (int i = 0; i < onOriginal.size(); i++) {
            float v = onOriginal.data()[i];
            if (!Float.isNaN(v) && (best < 0 || v > onOriginal.data()[best])) {
                best = i;
            }
        }
        int bx = best % 200;
        int by = best / 200;
        assertTrue(bx >= 119 && bx <= 120 && by >= 29 && by <= 30, "hottest original pixel at (" + bx + "," + by + ")");
        // and only the cropped centre carries the map: the left and right quarters were never seen by the model
        for (int y = 0; y < 100; y++) {
            for (int x = 0; x < 200; x++) {
                boolean seen = x >= 50 && x < 150;
                assertEquals(seen, !Float.isNaN(onOriginal.data()[y * 200 + x]), "original pixel (" + x + "," + y + ")");
            }
        }

        // And the overlay PNG has the original's size and aspect, the hot colour there, the cold colour elsewhere in
        // the seen centre, and the original's own pixels outside the crop
        BufferedImage overlay = Images.overlay(original, map, Colormap.JET, 0.5);
        assertEquals(200, overlay.getWidth());
        assertEquals(100, overlay.getHeight());
        assertTrue(onOriginal.data()[best] > 0.9f, "hot: " + onOriginal.data()[best]);
        assertEquals(blend(Colormap.JET.packed(onOriginal.data()[best])), overlay.getRGB(bx, by) & 0xFFFFFF);
        assertEquals(blend(Colormap.JET.packed(0f)), overlay.getRGB(60, 80) & 0xFFFFFF);
        assertEquals((GRAY << 16) | (GRAY << 8) | GRAY, overlay.getRGB(10, 30) & 0xFFFFFF);
        assertEquals((GRAY << 16) | (GRAY << 8) | GRAY, overlay.getRGB(190, 30) & 0xFFFFFF);
        assertNotEquals(overlay.getRGB(bx, by), overlay.getRGB(140, 30), "the stretched position is not the hot one");
    }

    @Test
    void shouldDrawALetterboxHeatmapOverTheWholeOriginalAndNothingOfThePadding() {
        // Given a 200x100 original letterboxed into 50x50: resized to 50x25, 12 rows of padding above
        OriginalImage original = OriginalImage.of(wideGray(), preprocessor("letterbox", null, "none"));
        InputGeometry g = original.geometry();
        assertEquals(-12, g.offsetY());
        assertEquals(12.0, g.toModelY(0), 1e-9);
        assertEquals(37.0, g.toModelY(100), 1e-9);

        // When a map hot in its centre cell (model [20,30) x [20,30) = original x in [80,120), y in [32,72)) is drawn
        Tensor onOriginal = Maps.toOriginal(hotCell(2, 2), g, 200, 100);

        // Then every original pixel carries the map (the model saw all of it) and the hottest is at its centre
        int best = 0;
        for (int i = 0; i < onOriginal.size(); i++) {
            assertFalse(Float.isNaN(onOriginal.data()[i]), "original pixel " + i);
            best = onOriginal.data()[i] > onOriginal.data()[best] ? i : best;
        }
        int bx = best % 200;
        int by = best / 200;
        assertTrue(bx >= 99 && bx <= 100 && by >= 51 && by <= 52, "hottest original pixel at (" + bx + "," + by + ")");
    }

    @Test
    void shouldEnlargeSmallOriginalsByAWholeFactorKeepingTheirAspect() {
        OriginalImage small = new OriginalImage(new DecodedImage(28, 14, 1, new byte[28 * 14]),
                new InputGeometry(28, 14, 28, 28, 0, 7, 28, 28));
        assertEquals(List.of(140, 70), List.of(small.displaySize()[0], small.displaySize()[1]));
    }

    private static int blend(int colour) {
        int r = (int) Math.round(0.5 * GRAY + 0.5 * ((colour >> 16) & 255));
        int g = (int) Math.round(0.5 * GRAY + 0.5 * ((colour >> 8) & 255));
        int b = (int) Math.round(0.5 * GRAY + 0.5 * (colour & 255));
        return (r << 16) | (g << 8) | b;
    }
}
