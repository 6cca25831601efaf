package dev.glimpse.ingest.validation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glimpse.ingest.ImageSamples;
import dev.glimpse.platform.kafka.DeadLetterReason;
import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ImageValidatorTest {

    private final ImageValidator validator = new ImageValidator(64 * 1024, 4_000_000,
            EnumSet.of(ImageFormat.PNG, ImageFormat.JPEG), ImageValidator.ALL_COLOR_MODES, true);

    private ImageInfo accepted(byte[] data) {
        ValidationResult result = validator.validate(data);
        return assertInstanceOf(ValidationResult.Accepted.class, result, () -> "rejected: " + result).info();
    }

    private ValidationResult.Rejected rejected(byte[] data, DeadLetterReason expected) {
        ValidationResult result = validator.validate(data);
        ValidationResult.Rejected rejected = assertInstanceOf(ValidationResult.Rejected.class, result, () -> "accepted: " + result);
        assertEquals(expected, rejected.reason(), rejected.detail());
        assertTrue(!rejected.detail().isBlank());
        return rejected;
    }

    @Test
    void shouldAcceptGrayAndRgbPngAndJpegReadingSizeAndChannelsFromTheHeader() {
        ImageInfo gray = accepted(ImageSamples.grayPng());
        assertEquals(new ImageInfo(ImageFormat.PNG, 28, 28, 1, 8, "gray"), gray);

        ImageInfo rgb = accepted(ImageSamples.rgbPng());
        assertEquals(new ImageInfo(ImageFormat.PNG, 32, 24, 3, 8, "rgb"), rgb);

        ImageInfo jpeg = accepted(ImageSamples.rgbJpeg());
        assertEquals(new ImageInfo(ImageFormat.JPEG, 40, 30, 3, 8, "rgb"), jpeg);
    }

    @Test
    void shouldRejectEachKindOfBadInputWithItsReason() {
        rejected(new byte[0], DeadLetterReason.EMPTY);
        rejected(ImageSamples.text(), DeadLetterReason.UNSUPPORTED_FORMAT);
        rejected(ImageSamples.garbage(500, 1), DeadLetterReason.UNSUPPORTED_FORMAT);
        rejected(ImageSamples.gif(), DeadLetterReason.UNSUPPORTED_FORMAT);
        rejected(ImageSamples.bmp(), DeadLetterReason.UNSUPPORTED_FORMAT);
        rejected(ImageSamples.truncated(ImageSamples.grayPng(), 0.5), DeadLetterReason.TRUNCATED);
        rejected(ImageSamples.truncated(ImageSamples.grayPng(), 0.1), DeadLetterReason.TRUNCATED);
        rejected(ImageSamples.truncated(ImageSamples.rgbJpeg(), 0.6), DeadLetterReason.TRUNCATED);
        rejected(ImageSamples.truncated(ImageSamples.rgbJpeg(), 0.02), DeadLetterReason.TRUNCATED);
        rejected(ImageSamples.pngHeader(50_000, 50_000), DeadLetterReason.TOO_MANY_PIXELS);
        rejected(ImageSamples.pngHeader(0, 10), DeadLetterReason.UNDECODABLE);
        rejected(ImageSamples.pngHeader(4, 4), DeadLetterReason.UNDECODABLE); // header fine, no pixel data
        rejected(ImageSamples.garbage(70_000, 2), DeadLetterReason.TOO_MANY_BYTES);
        rejected(ImageSamples.sixteenBitPng(), DeadLetterReason.WRONG_CHANNELS);
        rejected(ImageSamples.cmykJpeg(), DeadLetterReason.WRONG_CHANNELS);
        rejected(ImageSamples.pngSignatureThenGarbage(), DeadLetterReason.UNDECODABLE);
        rejected(ImageSamples.corruptPixelDataPng(), DeadLetterReason.UNDECODABLE);
    }

    @Test
    void shouldReadOnlyHeaderAndStructureWithoutTheDecodeCheckYetRefuseBombsAndBrokenFiles() {
        // Given ingest's default: no decode at ingest (the inference worker decodes each image once)
        ImageValidator headerOnly = new ImageValidator(64 * 1024, 4_000_000, EnumSet.of(ImageFormat.PNG, ImageFormat.JPEG),
                ImageValidator.ALL_COLOR_MODES, false);

        // Then corrupt pixel data behind a valid header and valid CRCs passes (only a decoder can see it) ...
        ValidationResult corrupt = headerOnly.validate(ImageSamples.corruptPixelDataPng());
        assertEquals(new ImageInfo(ImageFormat.PNG, 28, 28, 1, 8, "gray"),
                assertInstanceOf(ValidationResult.Accepted.class, corrupt, () -> "rejected: " + corrupt).info());
        // ... while everything the header or the file structure shows is still refused, bombs first
        for (var c : java.util.Map.of(
                DeadLetterReason.TOO_MANY_PIXELS, ImageSamples.pngHeader(50_000, 50_000),
                DeadLetterReason.TRUNCATED, ImageSamples.truncated(ImageSamples.grayPng(), 0.5),
                DeadLetterReason.WRONG_CHANNELS, ImageSamples.cmykJpeg(),
                DeadLetterReason.UNDECODABLE, ImageSamples.pngSignatureThenGarbage()).entrySet()) {
            ValidationResult r = headerOnly.validate(c.getValue());
            assertEquals(c.getKey(), assertInstanceOf(ValidationResult.Rejected.class, r, () -> "accepted: " + r).reason());
        }
        ValidationResult cut = headerOnly.validate(ImageSamples.truncated(ImageSamples.rgbJpeg(), 0.6));
        assertEquals(DeadLetterReason.TRUNCATED, ((ValidationResult.Rejected) cut).reason(), "no JPEG end marker");
        // and the decode check, when configured, still catches the corrupt pixels
        assertEquals(DeadLetterReason.UNDECODABLE, ((ValidationResult.Rejected) validator.validate(
                ImageSamples.corruptPixelDataPng())).reason());
    }

    @Test
    void shouldAcceptAJpegWithTrailingBytesAfterItsEndMarker() {
        // Some cameras append data after EOI; that is not truncation.
        byte[] jpeg = ImageSamples.rgbJpeg();
        byte[] withTrailer = java.util.Arrays.copyOf(jpeg, jpeg.length + 500);
        java.util.Arrays.fill(withTrailer, jpeg.length, withTrailer.length, (byte) 0x41);

        assertEquals(new ImageInfo(ImageFormat.JPEG, 40, 30, 3, 8, "rgb"), accepted(withTrailer));
    }

    @Test
    void shouldRefuseAPixelBombFromItsHeaderWithoutDecoding() {
        // A 50,000 x 50,000 gray image would need 2.5 GB decoded; the header alone is 57 bytes.
        byte[] bomb = ImageSamples.pngHeader(50_000, 50_000);

        long before = Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory();
        ValidationResult.Rejected r = rejected(bomb, DeadLetterReason.TOO_MANY_PIXELS);
        long after = Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory();

        assertTrue(bomb.length < 100);
        assertTrue(r.detail().contains("50000x50000"), r.detail());
        assertTrue(after - before < 100_000_000L, "no pixel buffer allocated");
    }

    @Test
    void shouldReportThePixelLimitBeforeTheBitDepthForHuge16BitImages() {
        // A bomb is a bomb whatever its depth; a small 16-bit image is a colour-model problem.
        rejected(ImageSamples.pngHeader(50_000, 50_000, 16), DeadLetterReason.TOO_MANY_PIXELS);
        rejected(ImageSamples.pngHeader(10, 10, 16), DeadLetterReason.WRONG_CHANNELS);
    }

    @Test
    void shouldAcceptGifWhenConfiguredAndRejectColourModesNotConfigured() {
        ImageValidator permissive = new ImageValidator(1 << 20, 1 << 20, EnumSet.of(ImageFormat.PNG, ImageFormat.GIF),
                Set.of("gray", "indexed"), true);

        assertInstanceOf(ValidationResult.Accepted.class, permissive.validate(ImageSamples.gif()));
        assertInstanceOf(ValidationResult.Accepted.class, permissive.validate(ImageSamples.grayPng()));
        ValidationResult rgb = permissive.validate(ImageSamples.rgbPng());
        assertEquals(DeadLetterReason.WRONG_CHANNELS, ((ValidationResult.Rejected) rgb).reason());
    }
}
