package dev.glimpse.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.glimpse.datasets.Dataset;
import dev.glimpse.datasets.FashionMnist;
import dev.glimpse.datasets.LabeledImage;
import dev.glimpse.engine.onnx.Onnx.ModelProto;
import dev.glimpse.engine.onnx.Onnx.NodeProto;
import dev.glimpse.engine.onnx.Onnx.StringStringEntryProto;
import dev.glimpse.engine.onnx.Onnx.TensorProto;
import dev.glimpse.runtime.ExecutionDevice;
import dev.glimpse.runtime.MissingModelContractException;
import dev.glimpse.runtime.ModelMetadataKeys;
import dev.glimpse.runtime.SessionTuning;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClassifierTest {

    @TempDir
    Path dir;

    @Test
    void shouldReturnLogitsProbabilitiesAndTheHeadInputAsEmbeddingMatchingAPlainJavaForwardPass() throws Exception {
        // Given the bundled MLP (Flatten, Gemm, Relu, Gemm) and two random inputs
        Path model = BundledModels.extract(BundledModels.FASHION_MNIST_MLP, dir);
        ModelProto proto = ModelProto.parseFrom(Files.readAllBytes(model));
        Random rng = new Random(1);
        List<float[]> inputs = new ArrayList<>();
        for (int n = 0; n < 2; n++) {
            float[] x = new float[784];
            for (int i = 0; i < x.length; i++) {
                x[i] = rng.nextFloat();
            }
            inputs.add(x);
        }

        // When the classifier runs them as one batch
        try (Classifier c = Classifier.load(model, ExecutionDevice.CPU, new SessionTuning(1, 1))) {
            List<Classifier.Scored> scored = c.classify(inputs);

            // Then the embedding is the input of the last Gemm, and all outputs equal a plain Java forward pass
            List<NodeProto> gemms = proto.getGraph().getNodeList().stream().filter(n -> n.getOpType().equals("Gemm")).toList();
            assertEquals(gemms.get(1).getInput(0), c.embeddingName().orElseThrow());
            for (int n = 0; n < 2; n++) {
                float[] hidden = relu(gemm(inputs.get(n), proto, gemms.get(0)));
                float[] logits = gemm(hidden, proto, gemms.get(1));
                assertArrayEquals(hidden, scored.get(n).embedding(), 1e-4f);
                assertArrayEquals(logits, scored.get(n).logits(), 1e-4f);
                assertArrayEquals(ClassScores.softmax(logits), scored.get(n).probabilities(), 1e-5f);
            }
            assertEquals("fashion-mnist-mlp", c.metadata().name());
            assertEquals("Ankle boot", c.metadata().labelOf(9));
            assertEquals(ExecutionDevice.CPU, c.device());
        }
    }

    @Test
    void shouldClassifyFashionMnistTestImagesWithAccuracyAbove80Percent() throws Exception {
        assumeTrue(FashionMnist.isAvailable(), "Fashion-MNIST is not installed (Debian package dataset-fashion-mnist)");
        Dataset test = FashionMnist.loadPart(FashionMnist.DEFAULT_DIR, "t10k");
        try (Classifier c = Classifier.load(BundledModels.extract(BundledModels.FASHION_MNIST_MLP, dir),
                ExecutionDevice.CPU, new SessionTuning(1, 1))) {
            int correct = 0;
            int n = 500;
            List<float[]> batch = new ArrayList<>();
            List<Integer> labels = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                LabeledImage img = test.get(i);
                batch.add(c.preprocessor().fromEncoded(img.toPng()));
                labels.add(img.label());
            }
            List<Classifier.Scored> scored = c.classify(batch);
            for (int i = 0; i < n; i++) {
                if (ClassScores.topK(scored.get(i).probabilities(), 1)[0] == labels.get(i)) {
                    correct++;
                }
            }
            assertTrue(correct / (double) n > 0.8, "accuracy " + correct / (double) n);
        }
    }

    @Test
    void shouldNameTheMetadataKeyWhenTheNamedEmbeddingTensorDoesNotExist() throws Exception {
        ModelProto proto = ModelProto.parseFrom(BundledModels.class.getResourceAsStream("models/" + BundledModels.FASHION_MNIST_MLP));
        byte[] bad = proto.toBuilder().addMetadataProps(StringStringEntryProto.newBuilder()
                .setKey("glimpse.embedding.output").setValue("no_such_tensor")).build().toByteArray();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Classifier.load(bad, "bad.onnx", ExecutionDevice.CPU, new SessionTuning(1, 1)));
        assertTrue(e.getMessage().contains("'glimpse.embedding.output'") && e.getMessage().contains("'no_such_tensor'"),
                e.getMessage());
    }

    @Test
    void shouldRefuseToServeAModelWithoutPreprocessingContractWithOneLineNamingModelsImport() throws Exception {
        // Given the bundled model with its metadata_props stripped (what a raw torch.onnx export looks like)
        Path model = BundledModels.extract(BundledModels.FASHION_MNIST_MLP, dir);
        Path raw = dir.resolve("raw.onnx");
        Files.write(raw, ModelProto.parseFrom(Files.readAllBytes(model)).toBuilder().clearMetadataProps().build()
                .toByteArray());

        // When the serving classifier loads it, Then it is refused with requireContract's one line
        MissingModelContractException e = assertThrows(MissingModelContractException.class,
                () -> Classifier.load(raw, ExecutionDevice.CPU, new SessionTuning(1, 1)));
        assertEquals(new MissingModelContractException(raw.toString(), ModelMetadataKeys.CONTRACT).getMessage(),
                e.getMessage());
        assertFalse(e.getMessage().contains("\n"), "one line");
        assertTrue(e.getMessage().contains("./glimpse models import --model " + raw), e.getMessage());
    }

    /** y = x W^T + b for torch's Gemm(transB=1) with W [out, in]. */
    private static float[] gemm(float[] x, ModelProto proto, NodeProto node) {
        float[] w = floats(proto, node.getInput(1));
        float[] b = floats(proto, node.getInput(2));
        int out = b.length;
        int in = x.length;
        float[] y = new float[out];
        for (int o = 0; o < out; o++) {
            double s = b[o];
            for (int i = 0; i < in; i++) {
                s += (double) x[i] * w[o * in + i];
            }
            y[o] = (float) s;
        }
        return y;
    }

    private static float[] relu(float[] v) {
        float[] r = v.clone();
        for (int i = 0; i < r.length; i++) {
            r[i] = Math.max(0, r[i]);
        }
        return r;
    }

    private static float[] floats(ModelProto proto, String name) {
        for (TensorProto t : proto.getGraph().getInitializerList()) {
            if (t.getName().equals(name)) {
                if (t.getFloatDataCount() > 0) {
                    float[] f = new float[t.getFloatDataCount()];
                    for (int i = 0; i < f.length; i++) {
                        f[i] = t.getFloatData(i);
                    }
                    return f;
                }
                FloatBuffer fb = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
                float[] f = new float[fb.remaining()];
                fb.get(f);
                return f;
            }
        }
        throw new AssertionError("no initializer " + name);
    }
}
