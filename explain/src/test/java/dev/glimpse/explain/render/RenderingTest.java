package dev.glimpse.explain.render;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glimpse.explain.Tensor;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RenderingTest {

    @Test
    void shouldNormalizeEachMapToUnitRange() {
        Tensor n = Maps.normalize(new Tensor(new int[] {2, 2}, new float[] {2, 4, 6, 10}));
        assertArrayEquals(new float[] {0, 0.25f, 0.5f, 1}, n.data(), 1e-6f);
        assertArrayEquals(new float[4], Maps.normalize(new Tensor(new int[] {2, 2}, new float[] {3, 3, 3, 3})).data());
    }

    @Test
    void shouldResizeLikeTorchBilinearWithoutAlignCorners() {
        // torch.nn.functional.interpolate(torch.tensor([[[[0.,1.],[2.,3.]]]]), size=(4,4), mode='bilinear')
        float[] expected = {
            0.00f, 0.25f, 0.75f, 1.00f,
            0.50f, 0.75f, 1.25f, 1.50f,
            1.50f, 1.75f, 2.25f, 2.50f,
            2.00f, 2.25f, 2.75f, 3.00f};
        Tensor r = Maps.resize(new Tensor(new int[] {2, 2}, new float[] {0, 1, 2, 3}), 4, 4);
        assertArrayEquals(expected, r.data(), 1e-6f);
    }

    @Test
    void shouldReduceGradientsByMaxAbsoluteOverChannels() {
        Tensor g = new Tensor(new int[] {2, 1, 2}, new float[] {1, -5, -3, 2});
        assertArrayEquals(new float[] {3, 5}, Maps.maxAbsOverChannels(g).data());
    }

    @Test
    void shouldBlendColourAndImageByAlpha() {
        // Given a black image and a map whose right half is hot
        BufferedImage black = new BufferedImage(4, 2, BufferedImage.TYPE_INT_RGB);
        Tensor map = new Tensor(new int[] {1, 2}, new float[] {0, 1});
        // When overlaid with alpha 0.5
        BufferedImage out = Images.overlay(black, map, Colormap.JET, 0.5);
        // Then the rightmost pixel is half of jet(1) = (128,0,0) and the leftmost half of jet(0) = (0,0,128)
        assertEquals(64, (out.getRGB(3, 0) >> 16) & 255, 1);
        assertEquals(64, out.getRGB(0, 0) & 255, 1);
        assertEquals(0, (out.getRGB(0, 0) >> 16) & 255);
    }

    @Test
    void shouldLayOutGridWithLabelsAndWritePng(@TempDir Path dir) throws Exception {
        BufferedImage tile = Images.gray(new Tensor(new int[] {2, 2}, new float[] {0, 1, 2, 3}));
        BufferedImage grid = Grid.of(List.of(new Grid.Tile(tile, "a"), new Grid.Tile(tile, "b"), new Grid.Tile(tile, "c")), 2, 32);
        // two columns, two rows of (32 tile + 14 label)
        assertEquals(4 + 2 * 36, grid.getWidth());
        assertEquals(4 + 2 * (32 + 14 + 4), grid.getHeight());
        Path f = dir.resolve("grid.png");
        Images.writePng(grid, f);
        BufferedImage back = ImageIO.read(f.toFile());
        assertEquals(grid.getWidth(), back.getWidth());
        assertEquals(grid.getRGB(10, 10), back.getRGB(10, 10));
        // top-left tile pixel is the map minimum (black), bottom-right of the first tile the maximum (white)
        assertEquals(0x000000, back.getRGB(5, 5) & 0xFFFFFF);
        assertTrue((back.getRGB(4 + 31, 4 + 31) & 0xFF) > 250);
    }
}
