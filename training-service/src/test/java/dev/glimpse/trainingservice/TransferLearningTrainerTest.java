package dev.glimpse.trainingservice;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.glimpse.datasets.FashionMnist;
import dev.glimpse.datasets.InMemoryDataset;
import dev.glimpse.training.ModelFile;
import dev.glimpse.training.TrainingConfig;
import dev.glimpse.training.model.ParamTensor;
import java.nio.file.Path;
import java.util.Arrays;
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
}
