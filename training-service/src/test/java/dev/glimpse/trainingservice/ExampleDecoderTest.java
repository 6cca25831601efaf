package dev.glimpse.trainingservice;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.glimpse.contracts.events.ImageEvent;
import dev.glimpse.contracts.events.Label;
import dev.glimpse.contracts.events.TrainingExample;
import dev.glimpse.datasets.LabeledImage;
import dev.glimpse.runtime.GraphFacts;
import dev.glimpse.runtime.ModelMetadata;
import dev.glimpse.runtime.ModelMetadataKeys;
import dev.glimpse.runtime.ImageLimits;
import dev.glimpse.runtime.PreprocessingException;
import dev.glimpse.runtime.Preprocessor;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.util.Map;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

class ExampleDecoderTest {

    private static final GraphFacts RGB_24 = new GraphFacts("g", "x", new long[] {-1, 3, 24, 24}, "y", new long[] {-1, 4});

    @Test
    void shouldDecodeAnExampleToExactlyThePixelsWhoseNormalisationIsThePreprocessorsTensor() throws Exception {
        // Given an RGB model fed as torchvision's Resize(32) -> CenterCrop(24) -> Normalize(ImageNet)
        Preprocessor pre = new Preprocessor(ModelMetadata.parse(Map.of(
                ModelMetadataKeys.INPUT_COLOUR, "rgb", ModelMetadataKeys.INPUT_SIZE, "24x24",
                ModelMetadataKeys.INPUT_RESIZE, "32", ModelMetadataKeys.INPUT_CROP, "center",
                ModelMetadataKeys.INPUT_MEAN, "[0.485,0.456,0.406]", ModelMetadataKeys.INPUT_STD, "[0.229,0.224,0.225]"),
                RGB_24));
        // and a non-square noisy photo (61x29), which stretching would distort 2.1x
        BufferedImage img = new BufferedImage(61, 29, BufferedImage.TYPE_INT_RGB);
        Random random = new Random(5);
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                img.setRGB(x, y, random.nextInt(1 << 24));
            }
        }
        byte[] png = png(img);
        TrainingExample example = TrainingExample.newBuilder().setImageId("i-1")
                .setImage(ImageEvent.newBuilder().setImageId("i-1").setData(ByteString.copyFrom(png)))
                .setLabel(Label.newBuilder().setImageId("i-1").setLabel(2)).build();

        // When the training service decodes it
        LabeledImage decoded = new ExampleDecoder(pre).decode(example);

        // Then it has the model's shape, and scaled + normalised as torchvision does ((x/255 - mean)/std in float32)
        // it is bit for bit the tensor inference gives the model for the same bytes
        assertEquals(3, decoded.channels());
        assertEquals(24, decoded.height());
        assertEquals(24, decoded.width());
        assertEquals(2, decoded.label());
        float[] mean = pre.metadata().mean();
        float[] std = pre.metadata().std();
        float[] normalised = new float[3 * 24 * 24];
        for (int i = 0; i < normalised.length; i++) {
            int c = i / (24 * 24);
            normalised[i] = ((float) (decoded.pixels()[i] & 0xff) / 255f - mean[c]) / std[c];
        }
        assertArrayEquals(pre.fromEncoded(png), normalised, 0f);
        assertArrayEquals(pre.fromEncoded(png), pre.normalise(decoded.pixels()), 0f);
    }

    @Test
    void shouldRefuseUndecodableBytesNamingTheImage() {
        Preprocessor pre = new Preprocessor(ModelMetadata.parse(Map.of(
                ModelMetadataKeys.INPUT_COLOUR, "rgb", ModelMetadataKeys.INPUT_SIZE, "24x24",
                ModelMetadataKeys.INPUT_MEAN, "[0]", ModelMetadataKeys.INPUT_STD, "[1]"), RGB_24));
        TrainingExample example = TrainingExample.newBuilder().setImageId("junk")
                .setImage(ImageEvent.newBuilder().setData(ByteString.copyFrom(new byte[] {1, 2, 3})))
                .setLabel(Label.newBuilder().setLabel(0)).build();
        PreprocessingException e = assertThrows(PreprocessingException.class, () -> new ExampleDecoder(pre).decode(example));
        assertTrue(e.getMessage().contains("junk"), e.getMessage());
        assertEquals("undecodable", e.reason());
    }

    @Test
    void shouldRefuseAnImageOverThePixelLimitFromItsHeaderWithItsDeadLetterReason() throws Exception {
        Preprocessor pre = new Preprocessor(ModelMetadata.parse(Map.of(
                ModelMetadataKeys.INPUT_COLOUR, "rgb", ModelMetadataKeys.INPUT_SIZE, "24x24",
                ModelMetadataKeys.INPUT_MEAN, "[0]", ModelMetadataKeys.INPUT_STD, "[1]"), RGB_24));
        TrainingExample example = TrainingExample.newBuilder().setImageId("big")
                .setImage(ImageEvent.newBuilder().setData(ByteString.copyFrom(
                        png(new BufferedImage(64, 64, BufferedImage.TYPE_INT_RGB)))))
                .setLabel(Label.newBuilder().setLabel(0)).build();
        PreprocessingException e = assertThrows(PreprocessingException.class,
                () -> new ExampleDecoder(pre, ImageLimits.ofPixels(64 * 64 - 1)).decode(example));
        assertEquals("too-many-pixels", e.reason());
        new ExampleDecoder(pre, ImageLimits.ofPixels(64 * 64)).decode(example); // at the limit: decoded
    }

    private static byte[] png(BufferedImage img) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "png", out);
        return out.toByteArray();
    }
}
