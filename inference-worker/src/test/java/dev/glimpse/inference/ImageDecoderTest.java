package dev.glimpse.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glimpse.contracts.events.ImageEvent;
import dev.glimpse.runtime.ImageLimits;
import dev.glimpse.runtime.InputColour;
import dev.glimpse.runtime.ModelMetadata;
import dev.glimpse.runtime.OutputKind;
import dev.glimpse.runtime.Preprocessor;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class ImageDecoderTest {

    private static final TopicPartition TP = new TopicPartition("images", 0);

    /** Gray 28x28, mean 0.5, std 0.25: preprocessing that differs from the identity, so a wrong one would show. */
    private static Preprocessor preprocessor() {
        return new Preprocessor(new ModelMetadata("m", "1", "", List.of(), InputColour.GRAY, 28, 28,
                new float[] {0.5f}, new float[] {0.25f}, "", Map.of(), Optional.empty(),
                OutputKind.LOGITS));
    }

    @Test
    void shouldAnswerEveryImageWithTheInputOfASequentialDecodeOrItsReasonWhenDecodedOnAPool() throws Exception {
        // Given 200 good images among empty, undecodable and non-ImageEvent records
        Preprocessor preprocessor = preprocessor();
        List<ImageEvent> good = TestImages.events("d-", 200);
        List<PendingImage> pending = new ArrayList<>();
        List<String> expected = new ArrayList<>(); // null = decoded, else the reason
        for (int i = 0; i < good.size(); i++) {
            pending.add(pending(i, good.get(i).toByteArray()));
            expected.add(null);
            if (i % 40 == 0) {
                pending.add(pending(i, TestImages.event("empty", new byte[0], -1).toByteArray()));
                expected.add("empty");
                pending.add(pending(i, TestImages.event("text", "no image".getBytes(StandardCharsets.UTF_8), -1)
                        .toByteArray()));
                expected.add("undecodable");
                pending.add(pending(i, new byte[] {(byte) 0xff, 0x13, 0x00}));
                expected.add("malformed-event");
                pending.add(pending(i, null));
                expected.add("malformed-event");
            }
        }

        // When three threads decode them
        try (ImageDecoder decoder = new ImageDecoder(preprocessor, ImageLimits.DEFAULT, 3, "test")) {
            decoder.decode(pending);
            for (PendingImage p : pending) {
                p.awaitDecoded();
            }
        }

        // Then each good image has exactly the input a sequential decode gives, each bad one its reason
        int g = 0;
        for (int i = 0; i < pending.size(); i++) {
            PendingImage p = pending.get(i);
            if (expected.get(i) == null) {
                assertFalse(p.failed(), "image " + i + ": " + p.failureDetail());
                ImageEvent event = good.get(g++);
                assertEquals(event.getImageId(), p.event().getImageId());
                assertArrayEquals(preprocessor.fromEncoded(event.getData().toByteArray()), p.input());
            } else {
                assertTrue(p.failed(), "record " + i + " should fail with " + expected.get(i));
                assertEquals(expected.get(i), p.failureReason());
                assertNull(p.input());
            }
        }
        assertEquals(good.size(), g);
    }

    private static PendingImage pending(int offset, byte[] value) {
        return new PendingImage(TP, offset, ("k" + offset).getBytes(StandardCharsets.UTF_8), value, 0, 0, null);
    }
}
