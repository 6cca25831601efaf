package dev.glimpse.explain.faithfulness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glimpse.explain.Tensor;
import java.util.Arrays;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** ROAD's imputation and curves on closed forms (the PyTorch/numpy comparison is in TorchReferenceMethodsTest). */
class RoadTest {

    @Test
    void shouldImputeAConstantImageWithItsConstant() {
        // Given a constant image with a random half removed: the weighted mean of equal neighbours is that value
        Tensor img = new Tensor(new int[] {2, 9, 7}, new float[2 * 63]);
        Arrays.fill(img.data(), 0, 63, 3f);
        Arrays.fill(img.data(), 63, 126, -1f);
        boolean[] removed = new boolean[63];
        Random r = new Random(4);
        for (int i = 0; i < 63; i++) {
            removed[i] = r.nextBoolean();
        }
        Tensor out = new NoisyLinearImputation(0).impute(img, removed, new Random(0));
        for (int i = 0; i < 63; i++) {
            assertEquals(3f, out.data()[i], 1e-6);
            assertEquals(-1f, out.data()[63 + i], 1e-6);
        }
    }

    @Test
    void shouldAddNoiseOfTheGivenSpreadToRemovedPixelsOnly() {
        Random r = new Random(2);
        Tensor img = new Tensor(new int[] {1, 40, 40}, new float[1600]);
        for (int i = 0; i < 1600; i++) {
            img.data()[i] = (float) r.nextGaussian();
        }
        boolean[] removed = new boolean[1600];
        for (int i = 0; i < 1600; i += 2) {
            removed[i] = true;
        }
        Tensor plain = new NoisyLinearImputation(0).impute(img, removed, new Random(1));
        Tensor noisy = new NoisyLinearImputation(0.05).impute(img, removed, new Random(1));
        double sq = 0;
        for (int i = 0; i < 1600; i++) {
            double d = noisy.data()[i] - plain.data()[i];
            if (removed[i]) {
                sq += d * d;
            } else {
                assertEquals(img.data()[i], noisy.data()[i], 0, "kept pixels are untouched");
            }
        }
        // 800 samples: the sample standard deviation is within 10 % of 0.05 with overwhelming probability
        assertEquals(0.05, Math.sqrt(sq / 800), 0.005);
    }

    @Test
    void shouldSeparateMorfFromLerfForAMapThatRanksTheEvidenceFirst() {
        // Given a "model" whose score is the mean of the left half of the image, and a map that is high there
        int h = 8;
        int w = 8;
        Tensor x = new Tensor(new int[] {1, h, w}, new float[h * w]);
        Tensor map = new Tensor(new int[] {h, w}, new float[h * w]);
        for (int y = 0; y < h; y++) {
            for (int xx = 0; xx < w; xx++) {
                x.data()[y * w + xx] = xx < w / 2 ? 1 : 0;
                map.data()[y * w + xx] = (xx < w / 2 ? 10 : 0) + y * 0.01f + xx * 0.001f;
            }
        }
        BatchScorer leftMean = batch -> {
            int n = batch.dim(0);
            float[] s = new float[n];
            for (int i = 0; i < n; i++) {
                for (int y = 0; y < h; y++) {
                    for (int xx = 0; xx < w / 2; xx++) {
                        s[i] += batch.data()[i * h * w + y * w + xx] / (h * w / 2f);
                    }
                }
            }
            return s;
        };
        Road.Result r = new Road(leftMean, 3, new int[] {25, 50}, 0, 1).of(x, map);
        // Then removing the 25 % least relevant pixels (all in the right half, which the score does not read) keeps
        // the score, while removing the 50 % most relevant (the whole left half, imputed from the zeros beside it)
        // loses most of it
        assertTrue(r.lerf()[0] > 0.9, "LeRF 25% " + r.lerf()[0]);
        assertTrue(r.morf()[1] < 0.5, "MoRF 50% " + r.morf()[1]);
        assertTrue(r.combined() > 0);
        assertEquals((r.lerfMean() - r.morfMean()) / 2, r.combined(), 1e-12);
    }

    @Test
    void shouldRejectPercentilesOutsideOneToNinetyNine() {
        assertThrows(IllegalArgumentException.class, () -> Road.requireValid(new int[] {0}));
        assertThrows(IllegalArgumentException.class, () -> Road.requireValid(new int[] {100}));
        assertThrows(IllegalArgumentException.class, () -> Road.requireValid(new int[0]));
        assertTrue(new FaithfulnessScorer(4, 15).withRoad(new int[] {50}, 0).score(b -> new float[b.dim(0)], 4,
                new Tensor(new int[] {1, 4, 4}, new float[16]), new Tensor(new int[] {4, 4}, new float[16]), null)
                .road().map(Road.Result::percentiles).map(p -> p[0] == 50).orElse(false));
        assertEquals(Optional.empty(), new FaithfulnessScorer(4, 15).score(b -> new float[b.dim(0)], 4,
                new Tensor(new int[] {1, 4, 4}, new float[16]), new Tensor(new int[] {4, 4}, new float[16]), null).road());
    }
}
