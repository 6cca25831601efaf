package dev.glimpse.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class ClassScoresTest {

    @Test
    void shouldMatchTheClosedFormSoftmaxAndStayFiniteForLargeLogits() {
        float[] p = ClassScores.softmax(new float[] {1f, 2f, 3f});
        double z = Math.exp(1) + Math.exp(2) + Math.exp(3);
        assertArrayEquals(new float[] {(float) (Math.exp(1) / z), (float) (Math.exp(2) / z), (float) (Math.exp(3) / z)},
                p, 1e-6f);
        float[] big = ClassScores.softmax(new float[] {1000f, 1000f});
        assertArrayEquals(new float[] {0.5f, 0.5f}, big, 1e-6f);
    }

    @Test
    void shouldRankTopKLargestFirstWithLowerIndexWinningTies() {
        assertArrayEquals(new int[] {2, 0, 3}, ClassScores.topK(new float[] {0.3f, 0.1f, 0.5f, 0.3f}, 3));
        assertEquals(2, ClassScores.topK(new float[] {1f, 2f}, 5).length);
    }
}
