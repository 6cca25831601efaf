package dev.glimpse.training.imported;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.glimpse.datasets.Holdout;
import dev.glimpse.datasets.ImageFolder;
import dev.glimpse.engine.onnx.Onnx;
import dev.glimpse.engine.onnx.Onnx.TensorProto;
import dev.glimpse.runtime.ModelMetadataKeys;
import dev.glimpse.runtime.Preprocessor;
import dev.glimpse.training.Examples;
import dev.glimpse.training.Trainer;
import dev.glimpse.training.TrainingConfig;
import dev.glimpse.training.TrainingMetadataKeys;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fine-tuning a torchvision export (mobilenet_v3_small, width 0.25, 64 px, random init, BatchNormalization kept;
 * written by src/test/python/export_test_classifier.py) through the engine's autodiff on the graph itself.
 */
class ImportedFineTuneTest {

    static final String MODEL = "/models/mobilenet_v3_small_w025_64px.onnx";

    @TempDir
    static Path dir;

    static Path model;
    static Path folder;

    @BeforeAll
    static void givenAnImportedTorchvisionNetworkAndAnImageFolder() throws IOException {
        model = dir.resolve("mobilenet.onnx");
        try (InputStream in = ImportedFineTuneTest.class.getResourceAsStream(MODEL)) {
            Files.write(model, in.readAllBytes());
        }
        folder = writeImageFolder(dir.resolve("warm-cool"), 48, 11);
    }

    /**
     * Two classes that a frozen random backbone still separates: noise tinted warm (more red) or cool (more blue),
     * in varied sizes so that the preprocessing resizes.
     */
    static Path writeImageFolder(Path root, int perClass, long seed) throws IOException {
        Random rnd = new Random(seed);
        for (String cls : List.of("cool", "warm")) {
            Path d = Files.createDirectories(root.resolve(cls));
            for (int i = 0; i < perClass; i++) {
                int w = 56 + rnd.nextInt(40);
                int h = 56 + rnd.nextInt(40);
                BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
                for (int y = 0; y < h; y++) {
                    for (int x = 0; x < w; x++) {
                        int r = rnd.nextInt(160) + (cls.equals("warm") ? 90 : 0);
                        int g = rnd.nextInt(200);
                        int b = rnd.nextInt(160) + (cls.equals("cool") ? 90 : 0);
                        img.setRGB(x, y, (r << 16) | (g << 8) | b);
                    }
                }
                ImageIO.write(img, "png", d.resolve(String.format("%03d.png", i)).toFile());
            }
        }
        return root;
    }

    static TrainingConfig config(int epochs) {
        return TrainingConfig.defaults().withEpochs(epochs).withProgress(false).withLearningRate(1e-2).withSeed(3)
                .withAugmentation(0, false);
    }

    @Test
    void shouldFineTuneANewHeadKeepingEveryFrozenInitializerAndBatchNormNode() throws Exception {
        // Given the imported network (10 classes) and a two-class folder split into train and validation
        ImportedClassifier parent = ImportedClassifier.load(model);
        Preprocessor pre = parent.preprocessor();
        ImageFolder all = ImageFolder.scan(folder, null);
        Holdout validation = new Holdout(0.2, 1);
        Examples train = Examples.of(all.filter(id -> !validation.contains(id)), "warm-cool/train", pre);
        Examples val = Examples.of(all.filter(validation::contains), "warm-cool/validation", pre);
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        TrainingConfig config = config(4).withBatchSize(16);

        // When the head is replaced by a 2-class one and trained for 4 epochs
        ImportedFineTune.Result r = ImportedFineTune.run(parent, train, val, null,
                new ImportedFineTune.Options(null, 2, 1, 0.1), config, null, "test", "warm-cool", new PrintStream(log));

        // Then the loss falls and validation accuracy is well above chance (0.5)
        List<Trainer.EpochStats> epochs = r.report().epochs();
        assertTrue(epochs.get(epochs.size() - 1).trainLoss() < epochs.get(0).trainLoss(), "loss did not fall:\n" + log);
        assertTrue(r.validation().accuracy() >= 0.8, "validation accuracy " + r.validation().accuracy() + "\n" + log);
        assertEquals(List.of("classifier.3.weight", "classifier.3.bias"), r.plan().trainable());

        // and every other initializer is the parent's, byte for byte, under its name
        Map<String, TensorProto> before = initializers(parent.proto());
        Map<String, TensorProto> after = initializers(r.model());
        assertEquals(before.keySet(), after.keySet());
        int frozen = 0;
        for (String name : before.keySet()) {
            if (r.plan().trainable().contains(name)) {
                assertNotEquals(before.get(name).getRawData(), after.get(name).getRawData(), name);
                continue;
            }
            assertEquals(before.get(name), after.get(name), "frozen initializer " + name + " changed");
            frozen++;
        }
        assertTrue(frozen > 100, "frozen initializers compared: " + frozen);
        // and the graph is the parent's: BatchNormalization nodes all there, no node added or changed
        assertEquals(count(parent.proto(), "BatchNormalization"), count(r.model(), "BatchNormalization"));
        assertEquals(34, count(r.model(), "BatchNormalization"));
        assertEquals(parent.proto().getGraph().getNodeList(), r.model().getGraph().getNodeList());

        // and the metadata carries the contract, the new labels and the lineage
        Map<String, String> meta = new HashMap<>();
        r.model().getMetadataPropsList().forEach(e -> meta.put(e.getKey(), e.getValue()));
        assertEquals("[\"cool\",\"warm\"]", meta.get(ModelMetadataKeys.LABELS));
        assertEquals("64x64", meta.get(ModelMetadataKeys.INPUT_SIZE));
        assertEquals(parent.metadata().get(ModelMetadataKeys.INPUT_MEAN), meta.get(ModelMetadataKeys.INPUT_MEAN));
        assertEquals("2", meta.get(ModelMetadataKeys.VERSION));
        assertEquals("1", meta.get(ModelMetadataKeys.PARENT_VERSION));
        assertTrue(meta.get(TrainingMetadataKeys.PARENT).startsWith("mobilenet-v3-small-w025 v1 sha256:"));
        assertTrue(meta.get(ModelMetadataKeys.METRICS).contains("validation_accuracy"), meta.get(ModelMetadataKeys.METRICS));
        assertEquals("test", meta.get(TrainingMetadataKeys.COMMAND));

        // and ONNX Runtime serves it with two scores per image
        try (OrtSession s = OrtEnvironment.getEnvironment().createSession(r.model().toByteArray());
             OnnxTensor x = OnnxTensor.createTensor(OrtEnvironment.getEnvironment(), FloatBuffer.allocate(2 * 3 * 64 * 64),
                     new long[] {2, 3, 64, 64});
             OrtSession.Result out = s.run(Map.of("input", x))) {
            assertEquals(2 * 2, ((OnnxTensor) out.get(0)).getFloatBuffer().remaining());
        }
    }

    @Test
    void shouldComputeHeadAndBackboneGradientsEqualToFiniteDifferences() throws Exception {
        // Given the imported network with a new 2-class head and the last 3 weight layers trainable
        ImportedClassifier parent = ImportedClassifier.load(model);
        FineTunePlan plan = parent.plan(null, 2, 3, 5);
        assertTrue(plan.layers().get(0).startsWith("BatchNormalization"), plan.layers().toString());
        SplittableRandom rng = new SplittableRandom(9);
        int n = 3;
        float[] x = new float[n * 3 * 64 * 64];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (rng.nextDouble() * 4 - 2);
        }
        float[] target = {1, 0, 0, 1, 1, 0};
        try (ImportedGraphTraining t = new ImportedGraphTraining(plan, config(1))) {
            // When the training step returns gradients
            var base = t.step(x, n, target, rng);
            // Then each checked entry equals the central difference of the loss (float32: 2% + 2e-4 tolerance)
            for (String w : plan.trainable()) {
                float[] values = t.weights(w);
                float[] grad = base.gradients().get(w);
                for (int k = 0; k < Math.min(4, values.length); k++) {
                    int i = (int) ((long) k * 7919 % values.length);
                    float keep = values[i];
                    double eps = 1e-2;
                    values[i] = (float) (keep + eps);
                    double up = t.step(x, n, target, rng).loss();
                    values[i] = (float) (keep - eps);
                    double down = t.step(x, n, target, rng).loss();
                    values[i] = keep;
                    double fd = (up - down) / (2 * eps);
                    assertEquals(fd, grad[i], 0.02 * Math.abs(fd) + 2e-4, w + "[" + i + "]");
                }
            }
        }
    }

    @Test
    void shouldNameTheProblemInOneLine() throws Exception {
        ImportedClassifier parent = ImportedClassifier.load(model);
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class, () -> parent.plan("nope", 0, 1, 1));
        assertEquals("--head: the model has no tensor named 'nope' computed by a node", unknown.getMessage());
        IllegalArgumentException notAHead = assertThrows(IllegalArgumentException.class,
                () -> parent.plan("/avgpool/GlobalAveragePool_output_0", 0, 1, 1));
        assertTrue(notAHead.getMessage().contains("GlobalAveragePool node, not by a Gemm"), notAHead.getMessage());
        Onnx.ModelProto bare = parent.proto().toBuilder().clearMetadataProps().build();
        IllegalArgumentException noContract = assertThrows(IllegalArgumentException.class,
                () -> ImportedClassifier.of(bare.toByteArray(), "raw.onnx"));
        assertTrue(noContract.getMessage().contains("./glimpse models import --model raw.onnx"), noContract.getMessage());
    }

    static Map<String, TensorProto> initializers(Onnx.ModelProto m) {
        Map<String, TensorProto> out = new HashMap<>();
        m.getGraph().getInitializerList().forEach(t -> out.put(t.getName(), t));
        return out;
    }

    static long count(Onnx.ModelProto m, String op) {
        return m.getGraph().getNodeList().stream().filter(n -> n.getOpType().equals(op)).count();
    }
}
