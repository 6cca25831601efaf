package dev.glimpse.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class DecodeAheadTest {

    @Test
    void shouldDecodeAWholePollOfSmallImages() {
        // 28x28 gray: 3,136 bytes of floats each, 256 of them are 0.8 MB
        assertEquals(256, DecodeAhead.records(256, 32, 28 * 28));
    }

    @Test
    void shouldBoundTheDecodedBytesOfLargeImagesToTheBudget() {
        // 224x224 RGB: 602,112 bytes each; 32 MB hold 55 of them, fewer than two batches of 16 ...
        assertEquals(55, DecodeAhead.records(256, 16, 3L * 224 * 224));
        // ... and two batches of 32 are kept, so that the next batch is decoded while ONNX Runtime runs this one
        assertEquals(64, DecodeAhead.records(256, 32, 3L * 224 * 224));
    }

    @Test
    void shouldNeverFetchMoreThanConfigured() {
        assertEquals(10, DecodeAhead.records(10, 32, 28 * 28));
    }
}
