package dev.glimpse.trainingservice;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.glimpse.datasets.LabeledImage;
import org.junit.jupiter.api.Test;

class ExampleBufferTest {

    private static LabeledImage image(String id, int label) {
        return new LabeledImage(id, 1, 2, 2, new byte[4], label);
    }

    @Test
    void shouldKeepLatestPerClassAndSplitSeparately() {
        ExampleBuffer buffer = new ExampleBuffer(3, 2);
        for (int i = 0; i < 5; i++) {
            buffer.add(image("a" + i, 0), false, "ex-0", i);
        }
        buffer.add(image("b0", 1), false, "ex-1", 7);
        for (int i = 0; i < 4; i++) {
            buffer.add(image("h" + i, 0), true, "ex-0", 10 + i);
        }
        ExampleBuffer.Snapshot s = buffer.snapshot();
        assertEquals(4, s.train().size(), "3 of class 0 + 1 of class 1");
        assertEquals(java.util.List.of("a2", "a3", "a4", "b0"), s.train().stream().map(LabeledImage::id).toList());
        assertEquals(2, s.holdout().size());
        assertEquals("2-13", s.dataOffsets().get("ex-0"), "offset range of what the buffer holds");
        assertEquals("7-7", s.dataOffsets().get("ex-1"));
    }

    @Test
    void shouldReplaceRelabeledImage() {
        ExampleBuffer buffer = new ExampleBuffer(10, 10);
        buffer.add(image("x", 0), false, "ex-0", 1);
        buffer.add(image("x", 3), false, "ex-0", 2);
        ExampleBuffer.Snapshot s = buffer.snapshot();
        assertEquals(1, s.train().size());
        assertEquals(3, s.train().get(0).label());
    }
}
