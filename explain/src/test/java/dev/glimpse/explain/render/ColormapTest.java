package dev.glimpse.explain.render;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ColormapTest {

    // anchors: matplotlib's viridis table (#440154, #3b528b, #21918c, #5ec962, #fde725),
    // turbo's published 256-entry table (entries 128 and 255; the published polynomial fit is off by up to
    // ~32/255 at x=0 and ~22/255 at x=1, hence the wider tolerance) and MATLAB's jet ramps.
    @ParameterizedTest
    @CsvSource({
        "VIRIDIS, 0.00, 68, 1, 84, 8",
        "VIRIDIS, 0.25, 59, 82, 139, 8",
        "VIRIDIS, 0.50, 33, 145, 140, 8",
        "VIRIDIS, 0.75, 94, 201, 98, 8",
        "VIRIDIS, 1.00, 253, 231, 37, 8",
        "TURBO, 0.50, 164, 252, 60, 24",
        "TURBO, 1.00, 122, 4, 3, 24",
        "JET, 0.00, 0, 0, 128, 8",
        "JET, 0.50, 128, 255, 128, 8",
        "JET, 1.00, 128, 0, 0, 8",
    })
    void shouldMatchPublishedAnchorColoursWithinPolynomialFitError(Colormap cmap, double x, int r, int g, int b, int tolerance) {
        int c = cmap.packed(x);
        assertEquals(r, (c >> 16) & 255, tolerance, "red of " + cmap + "(" + x + ")");
        assertEquals(g, (c >> 8) & 255, tolerance, "green of " + cmap + "(" + x + ")");
        assertEquals(b, c & 255, tolerance, "blue of " + cmap + "(" + x + ")");
    }

    @Test
    void shouldClampOutOfRangeValues() {
        assertEquals(Colormap.JET.packed(0), Colormap.JET.packed(-3));
        assertEquals(Colormap.TURBO.packed(1), Colormap.TURBO.packed(7));
    }

    @Test
    void shouldParseNamesCaseInsensitivelyAndRejectUnknown() {
        assertEquals(Colormap.VIRIDIS, Colormap.parse("Viridis"));
        var e = assertThrows(IllegalArgumentException.class, () -> Colormap.parse("rainbow"));
        assertEquals("unknown colormap 'rainbow'; expected jet, turbo or viridis", e.getMessage());
    }
}
