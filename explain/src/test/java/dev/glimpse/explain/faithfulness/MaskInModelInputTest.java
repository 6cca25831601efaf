package dev.glimpse.explain.faithfulness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.glimpse.explain.Tensor;
import dev.glimpse.runtime.InputGeometry;
import org.junit.jupiter.api.Test;

class MaskInModelInputTest {

    /** 200x100 original, shorter side resized to 50 (100x50), center crop 50x50 at offset (25, 0). */
    private static final InputGeometry CROP = new InputGeometry(200, 100, 100, 50, 25, 0, 50, 50);

    private static Tensor mask(int fromX, int toX) {
        float[] m = new float[200 * 100];
        for (int y = 40; y < 60; y++) {
            for (int x = fromX; x < toX; x++) {
                m[y * 200 + x] = 1;
            }
        }
        return new Tensor(new int[] {100, 200}, m);
    }

    @Test
    void shouldPlaceTheObjectWhereTheModelSawIt() {
        // Given an object at original x 100..119, y 40..59 (model x = x/2 - 25, y = y/2)
        Tensor inModel = PointingGame.maskInModelInput(mask(100, 120), CROP);

        // Then the model-space mask is 50x50 with the object at x 25..34, y 20..29 and nowhere else
        assertEquals(50, inModel.dim(0));
        assertEquals(50, inModel.dim(1));
        int count = 0;
        for (int y = 0; y < 50; y++) {
            for (int x = 0; x < 50; x++) {
                boolean expected = x >= 25 && x < 35 && y >= 20 && y < 30;
                assertEquals(expected ? 1f : 0f, inModel.data()[y * 50 + x], "model pixel " + x + "," + y);
                count += expected ? 1 : 0;
            }
        }
        assertEquals(100, count);
    }

    @Test
    void shouldHaveNoMaskWhenTheObjectWasCroppedAway() {
        // An object in the left quarter of the original lies outside the center crop (model x < 0)
        assertNull(PointingGame.maskInModelInput(mask(0, 40), CROP));
    }
}
