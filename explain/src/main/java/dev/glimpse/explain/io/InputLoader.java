package dev.glimpse.explain.io;

import dev.glimpse.engine.onnx.Onnx;
import dev.glimpse.explain.Tensor;
import dev.glimpse.explain.render.OriginalImage;
import dev.glimpse.runtime.DecodedImage;
import dev.glimpse.runtime.GraphFacts;
import dev.glimpse.runtime.ModelMetadata;
import dev.glimpse.runtime.Preprocessor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Reads explain's {@code --input}: a {@code .npy} float32 tensor (N=1 NCHW or CHW) used as is, or an image
 * preprocessed as the model's metadata says (runtime's {@link Preprocessor}). Returns [1,C,H,W].
 */
public final class InputLoader {

    private InputLoader() {
    }

    public static Tensor load(Path file, Onnx.ModelProto model, long[] inputShape, long[] outputShape) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("--input " + file + " is not a readable file");
        }
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        Tensor t;
        if (name.endsWith(".npy")) {
            t = Npy.read(file);
            if (t.rank() == 3) {
                t = t.reshape(1, t.dim(0), t.dim(1), t.dim(2));
            }
            if (t.rank() != 4 || t.dim(0) != 1) {
                throw new IllegalArgumentException("--input " + file + " has shape " + Arrays.toString(t.shape())
                        + "; expected [1,C,H,W] or [C,H,W]");
            }
        } else {
            ModelMetadata meta = metadata(model, inputShape, outputShape);
            float[] x = new Preprocessor(meta).fromEncoded(Files.readAllBytes(file));
            t = new Tensor(new int[] {1, meta.channels(), meta.height(), meta.width()}, x);
        }
        for (int a = 1; a < 4 && inputShape != null && inputShape.length == 4; a++) {
            if (inputShape[a] > 0 && inputShape[a] != t.dim(a)) {
                throw new IllegalArgumentException("--input " + file + " has shape " + Arrays.toString(t.shape())
                        + " but the model expects " + Arrays.toString(inputShape));
            }
        }
        return t;
    }

    /**
     * The image of {@code --input} before preprocessing and where the model's preprocessing puts it, for drawing
     * heatmaps back onto it; empty for a {@code .npy} tensor (used as is, it has no original).
     */
    public static Optional<OriginalImage> original(Path file, Onnx.ModelProto model, long[] inputShape, long[] outputShape)
            throws IOException {
        if (file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".npy")) {
            return Optional.empty();
        }
        Preprocessor pre = new Preprocessor(metadata(model, inputShape, outputShape));
        return Optional.of(OriginalImage.of(DecodedImage.decode(Files.readAllBytes(file), Preprocessor.MAX_PIXELS), pre));
    }

    public static ModelMetadata metadata(Onnx.ModelProto model, long[] inputShape, long[] outputShape) {
        Map<String, String> props = new LinkedHashMap<>();
        model.getMetadataPropsList().forEach(p -> props.put(p.getKey(), p.getValue()));
        String input = model.getGraph().getInput(0).getName();
        String output = model.getGraph().getOutput(0).getName();
        return ModelMetadata.parse(props, new GraphFacts(model.getGraph().getName(), input, inputShape, output, outputShape));
    }
}
