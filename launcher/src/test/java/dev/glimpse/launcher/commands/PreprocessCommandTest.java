package dev.glimpse.launcher.commands;

import static dev.glimpse.launcher.commands.ModelsImportCommandTest.glimpse;
import static dev.glimpse.launcher.commands.ModelsImportCommandTest.resource;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glimpse.launcher.commands.ModelsImportCommandTest.Run;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ./glimpse preprocess}: the tensor the model receives, equal to torchvision's; no tensor without a contract. */
class PreprocessCommandTest {

    /** runtime's golden: photo_500x375.jpg through torchvision Resize(256) -> CenterCrop(224) -> ToTensor -> Normalize. */
    private static final Path GOLDEN = Path.of("..", "runtime", "src", "test", "resources", "preprocess-golden");

    @Test
    void shouldWriteTheFloat32TensorTorchvisionComputes(@TempDir Path dir) throws Exception {
        Path model = dir.resolve("imported.onnx");
        assertEquals(0, glimpse("models", "import", "--model", resource("mobilenet_v2_w010_raw.onnx").toString(),
                "--preset", "imagenet", "--out", model.toString()).code());
        Path t = dir.resolve("t.npy");
        // When the imported model's input is written for the golden photo
        Run r = glimpse("preprocess", "--model", model.toString(), "--input",
                GOLDEN.resolve("images/photo_500x375.jpg").toString(), "--out", t.toString());
        // Then it is a float32 [1,3,224,224] .npy equal to torchvision's tensor (stored as float16 in the golden)
        assertEquals(0, r.code(), r.err());
        byte[] npy = Files.readAllBytes(t);
        int headerLength = (npy[8] & 0xff) | (npy[9] & 0xff) << 8;
        String header = new String(npy, 10, headerLength, StandardCharsets.US_ASCII);
        assertTrue(header.contains("'descr': '<f4'") && header.contains("'shape': (1, 3, 224, 224)"), header);
        assertEquals(0, (10 + headerLength) % 64, "npy header aligned to 64 bytes");
        ByteBuffer actual = ByteBuffer.wrap(npy, 10 + headerLength, npy.length - 10 - headerLength).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer expected = golden16(GOLDEN.resolve("imagenet_jpeg_500x375.npy"));
        double max = 0;
        double sum = 0;
        int n = 3 * 224 * 224;
        for (int i = 0; i < n; i++) {
            double d = Math.abs(actual.getFloat() - halfToFloat(expected.getShort()));
            max = Math.max(max, d);
            sum += d;
        }
        assertTrue(max <= 0.05 && sum / n <= 0.01, "max " + max + " mean " + sum / n);
        assertTrue(r.out().contains("resized to 341x256, offset (58,16)"), r.out());
    }

    @Test
    void shouldRefuseAModelWithoutContractNamingModelsImport(@TempDir Path dir) {
        String raw = resource("mobilenet_v2_w010_raw.onnx").toString();
        Run r = glimpse("preprocess", "--model", raw, "--input", GOLDEN.resolve("images/rgb_64x64.png").toString(),
                "--out", dir.resolve("t.npy").toString());
        assertEquals(2, r.code());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains("missing glimpse.input.colour, glimpse.input.size, glimpse.input.mean, glimpse.input.std")
                && r.err().contains("./glimpse models import --model " + raw), r.err());
    }

    @Test
    void shouldRefuseACmykJpegInOneLine(@TempDir Path dir) throws Exception {
        Path model = dir.resolve("imported.onnx");
        assertEquals(0, glimpse("models", "import", "--model", resource("mobilenet_v2_w010_raw.onnx").toString(),
                "--preset", "imagenet", "--out", model.toString()).code());
        Run r = glimpse("preprocess", "--model", model.toString(), "--input", GOLDEN.resolve("images/cmyk_64x48.jpg").toString(),
                "--out", dir.resolve("t.npy").toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("(wrong-channels): CMYK/YCCK JPEG"), r.err());
    }

    private static ByteBuffer golden16(Path file) throws Exception {
        byte[] b = Files.readAllBytes(file);
        int headerLength = (b[8] & 0xff) | (b[9] & 0xff) << 8;
        assertTrue(new String(b, 10, headerLength, StandardCharsets.US_ASCII).contains("'<f2'"));
        return ByteBuffer.wrap(b, 10 + headerLength, b.length - 10 - headerLength).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static float halfToFloat(short h) {
        int bits = h & 0xffff;
        int sign = (bits & 0x8000) << 16;
        int exponent = (bits >>> 10) & 0x1f;
        int mantissa = bits & 0x3ff;
        if (exponent == 0) {
            float v = mantissa / 16_777_216f;
            return sign == 0 ? v : -v;
        }
        return Float.intBitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
    }
}
