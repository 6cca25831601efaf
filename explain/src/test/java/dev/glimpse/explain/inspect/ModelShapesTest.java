package dev.glimpse.explain.inspect;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.glimpse.engine.onnx.Onnx;
import dev.glimpse.explain.ort.DynamicBatch;
import dev.glimpse.explain.testing.ChannelShuffleCnn;
import dev.glimpse.explain.testing.TinyCnn;
import dev.glimpse.explain.testing.TinyTokenNet;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The explainer's shapes come from static inference where it shapes every node output; they must be what one
 * ONNX Runtime run on zeros gives (the independent computation), tensor for tensor, on every kind of graph the
 * explain tests use: a plain CNN, live and folded channel-shuffle shape arithmetic, token layers, and torch exports
 * (ViT with pinned batch, ConvNeXt, ShuffleNet v2), as exported and with the batch made symbolic.
 */
class ModelShapesTest {

    @ParameterizedTest
    @ValueSource(strings = {"tiny_cnn", "channel_shuffle", "channel_shuffle_folded", "tiny_tokens", "tiny_vit",
        "tiny_convnext", "tiny_shufflenet"})
    void shouldGiveStaticallyTheShapesOfOneOnnxRuntimeRun(String name) throws Exception {
        // Given a model, as given and with a symbolic batch (as the explainer opens it)
        Onnx.ModelProto exported = model(name);
        for (Onnx.ModelProto m : new Onnx.ModelProto[] {exported, DynamicBatch.relax(exported)}) {
            // When its shapes are inferred statically and found by running it
            ModelShapes.Shapes inferred = ModelShapes.ofActivations(m);
            Map<String, long[]> executed = ExecutedShapes.of(m, ExecutedShapes.declaredInputShape(m));

            // Then inference needed no run, and names the same float tensors with the same shapes
            assertEquals(ModelShapes.STATIC, inferred.source(), name);
            for (String t : executed.keySet()) {
                assertArrayEquals(executed.get(t), inferred.shapes().get(t), name + ": " + t);
            }
            var extra = new TreeSet<>(inferred.shapes().keySet());
            extra.removeAll(executed.keySet());
            // besides graph inputs that the run does not report (only its first one)
            extra.removeIf(t -> m.getGraph().getInputList().stream().anyMatch(v -> v.getName().equals(t)));
            assertEquals(new TreeSet<String>(), extra, name + ": tensors the run does not show as float activations");
        }
    }

    private static Onnx.ModelProto model(String name) throws Exception {
        return switch (name) {
            case "tiny_cnn" -> new TinyCnn(3).model;
            case "channel_shuffle" -> new ChannelShuffleCnn(3).model;
            case "channel_shuffle_folded" -> new ChannelShuffleCnn(3, true).model;
            case "tiny_tokens" -> new TinyTokenNet(3).model;
            default -> Onnx.ModelProto.parseFrom(Files.readAllBytes(Path.of(ModelShapesTest.class
                    .getResource("/torch-crosscheck/" + name + "/model.onnx").toURI())));
        };
    }
}
