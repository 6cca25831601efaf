package dev.glimpse.launcher.commands;

import java.util.Arrays;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.glimpse.launcher.GlimpseCommand;
import dev.glimpse.runtime.DecodedImage;
import dev.glimpse.runtime.InputGeometry;
import dev.glimpse.runtime.ModelMetadata;
import dev.glimpse.runtime.OrtSessions;
import dev.glimpse.runtime.PreprocessingException;
import dev.glimpse.runtime.Preprocessor;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ./glimpse preprocess}: the exact float32 [1,C,H,W] tensor a model receives for an image ("what does the model see?"). */
@Command(name = "preprocess", mixinStandardHelpOptions = true,
        description = "Write the exact float32 [1,C,H,W] tensor the model receives for an image, as .npy "
                + "(preprocessing from the model's metadata; docs/model-contract.md).")
public final class PreprocessCommand implements GlimpseCommand, Callable<Integer> {

    @Option(names = "--model", required = true, description = "ONNX model with a preprocessing contract (./glimpse models import)")
    Path model;

    @Option(names = "--input", required = true, description = "image file (PNG, JPEG, GIF, BMP)")
    Path input;

    @Option(names = "--out", required = true, description = "where to write the tensor (.npy, float32, [1,C,H,W])")
    Path out;

    @Override
    public Integer call() throws Exception {
        try {
            if (!Files.isRegularFile(model)) {
                throw new IllegalArgumentException("--model " + model + " is not a readable file");
            }
            if (!Files.isRegularFile(input)) {
                throw new IllegalArgumentException("--input " + input + " is not a readable file");
            }
            ModelMetadata.requireContract(model);
            ModelMetadata meta;
            try (OrtSession session = OrtSessions.environment().createSession(model.toString())) {
                meta = ModelMetadata.read(session);
            } catch (OrtException e) {
                throw new IllegalArgumentException("--model " + model + " cannot be loaded by ONNX Runtime: " + e.getMessage());
            }
            Preprocessor preprocessor = new Preprocessor(meta);
            DecodedImage image = DecodedImage.decode(Files.readAllBytes(input), Preprocessor.MAX_PIXELS);
            float[] x = preprocessor.fromDecoded(image);
            long[] shape = preprocessor.batchShape(1);
            writeNpy(out, x, shape);
            InputGeometry g = preprocessor.geometry(image.width(), image.height());
            System.out.printf("wrote %s: float32 [1,%d,%d,%d] from %s (%dx%d, %s): %s, resized to %dx%d, offset (%d,%d), "
                            + "x/%s, mean %s, std %s%n", out, shape[1], shape[2], shape[3], input, image.width(),
                    image.height(), image.channels() == 1 ? "gray" : "rgb", meta.resizing().mode().key()
                            + (meta.resizing().crop().key().equals("center") ? " + center crop" : ""),
                    g.resizedWidth(), g.resizedHeight(), g.offsetX(), g.offsetY(), trim(meta.scale()),
                    Arrays.toString(meta.mean()), Arrays.toString(meta.std()));
            return 0;
        } catch (IllegalArgumentException e) {
            System.err.println("preprocess: " + e.getMessage());
            return 2;
        } catch (PreprocessingException e) {
            System.err.println("preprocess: --input " + input + " (" + e.reason() + "): " + e.getMessage());
            return 2;
        }
    }

    private static String trim(float f) {
        return f == Math.rint(f) ? Integer.toString((int) f) : Float.toString(f);
    }

    /** A little-endian float32 C-order .npy (format 1.0). */
    static void writeNpy(Path file, float[] data, long[] shape) throws IOException {
        StringBuilder dims = new StringBuilder();
        for (long d : shape) {
            dims.append(d).append(", ");
        }
        String header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + dims.toString().trim()
                .replaceAll(",$", shape.length == 1 ? "," : "") + "), }";
        int total = 10 + header.length() + 1;
        header = header + " ".repeat((64 - total % 64) % 64) + "\n";
        ByteBuffer b = ByteBuffer.allocate(10 + header.length() + data.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.US_ASCII)).put((byte) 1).put((byte) 0);
        b.putShort((short) header.length()).put(header.getBytes(StandardCharsets.US_ASCII));
        b.asFloatBuffer().put(data);
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        try (OutputStream o = Files.newOutputStream(file)) {
            o.write(b.array());
        }
    }
}
