package dev.glimpse.trainingservice;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.protobuf.ByteString;
import dev.glimpse.datasets.FashionMnist;
import dev.glimpse.datasets.InMemoryDataset;
import dev.glimpse.datasets.LabeledImage;
import dev.glimpse.engine.onnx.Onnx;
import dev.glimpse.training.ModelFile;
import dev.glimpse.training.TrainingConfig;
import dev.glimpse.training.model.ParamTensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TransferLearningTrainerTest {
    @TempDir
    Path dir;

    @Test
    void shouldTrainOnlyTheHeadAndLeaveBackboneBitIdenticalWhenHeadOnly() throws Exception {
        assumeTrue(TestModels.fashionAvailable(), "needs Fashion-MNIST (Debian package dataset-fashion-mnist)");
        Path parent = TestModels.firstFiveClasses();
        InMemoryDataset data = new InMemoryDataset("feedback", TestModels.images(6000, 6500), FashionMnist.CLASS_NAMES,
                1, 28, 28);
        TransferLearningTrainer trainer = new TransferLearningTrainer(
                TrainingConfig.defaults().withEpochs(1).withAugmentation(0, false), 1, 0.1, FashionMnist.CLASS_NAMES);

        ModelTrainer.Result r = trainer.fineTune(parent, data, dir.resolve("cand.onnx"), "v2", "v1");

        ModelFile.Loaded before = ModelFile.load(parent);
        ModelFile.Loaded after = ModelFile.load(r.candidate());
        String head = after.network().head().name();
        int changed = 0;
        for (ParamTensor t : before.parameters().all()) {
            float[] a = t.data();
            float[] b = after.parameters().get(t.name()).data();
            if (t.layer().equals(head)) {
                changed += Arrays.equals(a, b) ? 0 : 1;
            } else {
                assertArrayEquals(a, b, "frozen " + t.name() + " must stay bit-identical");
            }
        }
        assertEquals(2, changed, "head weight and bias trained");
        assertEquals("all-but-head", r.hyperparameters().get("recipe"));
        assertFalse(r.examplesPerSecond() <= 0);
    }

    /** The torchvision export of the training module's tests (training/src/test/python/export_test_classifier.py). */
    static final Path TORCHVISION_EXPORT = Path.of("../training/src/test/resources/models/mobilenet_v3_small_w025_64px.onnx");

    @Test
    void shouldFineTuneAnImportedServingModelAsItsGraphWithANewHeadForMoreClasses() throws Exception {
        assumeTrue(Files.isRegularFile(TORCHVISION_EXPORT), "run from the training-service module");
        // Given feedback with 12 classes for a 10-class imported network (64x64 RGB examples, as the decoder makes them)
        List<String> classes = IntStream.range(0, 12).mapToObj(c -> "c" + c).toList();
        Random rnd = new Random(3);
        List<dev.glimpse.datasets.LabeledImage> images = new ArrayList<>();
        for (int i = 0; i < 96; i++) {
            byte[] px = new byte[3 * 64 * 64];
            rnd.nextBytes(px);
            images.add(new LabeledImage("fb/" + i, 3, 64, 64, px, i % 12));
        }
        TransferLearningTrainer trainer = new TransferLearningTrainer(TrainingConfig.defaults().withEpochs(1)
                .withBatchSize(16).withAugmentation(0, false), 1, 0.1, classes);

        // When the service's trainer fine-tunes it
        ModelTrainer.Result r = trainer.fineTune(TORCHVISION_EXPORT, new InMemoryDataset("feedback", images, classes, 3, 64, 64),
                dir.resolve("cand.onnx"), "v2", "v1");

        // Then the candidate has a 12-class head and the parent's frozen initializers, byte for byte
        assertEquals("12", r.hyperparameters().get("replace_head"));
        Map<String, com.google.protobuf.ByteString> before = new HashMap<>();
        Onnx.ModelProto.parseFrom(Files.readAllBytes(TORCHVISION_EXPORT)).getGraph()
                .getInitializerList().forEach(t -> before.put(t.getName(), t.getRawData()));
        int same = 0;
        for (var t : Onnx.ModelProto.parseFrom(Files.readAllBytes(r.candidate()))
                .getGraph().getInitializerList()) {
            if (t.getName().startsWith("classifier.3.")) {
                assertEquals(12, t.getDims(0), t.getName());
            } else {
                assertEquals(before.get(t.getName()), t.getRawData(), t.getName());
                same++;
            }
        }
        assertEquals(before.size() - 2, same);
    }
}
