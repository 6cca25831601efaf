package dev.glimpse.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtException;
import dev.glimpse.datasets.DatasetSplit;
import dev.glimpse.runtime.ModelMetadataKeys;
import dev.glimpse.training.model.ParamTensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FineTuneJobTest {

    @TempDir
    Path dir;

    private static final String ARCH = "conv:6:3:1:nobias,bn,relu,maxpool:2,conv:8:3,relu,maxpool:2,flatten,fc:16,relu,fc:3";
    // 12x12 -> conv 12 -> pool 6 -> conv 4 -> pool 2: flat 32

    @Test
    void shouldReplaceHeadAndKeepFrozenWeightsBitIdentical() throws OrtException, IOException {
        // Given a model trained on 3 of 4 classes, written to disk and read back
        DatasetSplit five = TrainerTest.bands(2048, 9, 4);
        DatasetSplit three = new DatasetSplit(five.train().firstClasses(3), five.test().firstClasses(3));
        TrainingJob.Result base = TrainingJob.trainTo(dir.resolve("base.onnx"), "shapes", three, "shapes", ARCH,
                TrainerTest.quick(2), "4", "test", TrainerTest.nullStream());
        ModelFile.Loaded parent = ModelFile.load(dir.resolve("base.onnx"));
        assertEquals(3, parent.network().numClasses());

        // When only a new 4-class head is trained
        // (a fresh head on frozen features is cheap to train, so it gets more epochs and a higher rate)
        FineTuneJob.Result tuned = FineTuneJob.finetune(parent, five, "shapes", FreezePolicy.allButHead(), 0.1, 4,
                TrainerTest.quick(12).withLearningRate(1e-2), null, "test", TrainerTest.nullStream());

        // Then every backbone tensor (and batch-norm statistics) is bit-identical, the head is new and learnt
        assertEquals(Set.of("fc2.weight", "fc2.bias"), tuned.trained());
        for (ParamTensor t : parent.parameters().all()) {
            if (!t.layer().equals("fc2")) {
                assertArrayEquals(t.data(), tuned.parameters().get(t.name()).data(), t.name() + " changed");
            }
        }
        assertEquals(4, tuned.network().numClasses());
        assertTrue(tuned.test().accuracy() > 0.8, "accuracy " + tuned.test().accuracy());
        var meta = ModelFile.metadata(tuned.model());
        assertEquals("4", meta.get(ModelMetadataKeys.PARENT_VERSION));
        assertEquals("5", meta.get(ModelMetadataKeys.VERSION));
        assertTrue(meta.get(ModelMetadataKeys.LABELS).contains("band3"));
        assertTrue(base.test().accuracy() > 0.9);
    }

    @Test
    void shouldTrainOnlyTheLastLayersWhenUnfreezingLastN() throws OrtException, IOException {
        DatasetSplit data = TrainerTest.bands(1024, 2, 3);
        TrainingJob.trainTo(dir.resolve("m.onnx"), "shapes", data, "shapes", ARCH, TrainerTest.quick(1), "1", "t",
                TrainerTest.nullStream());
        ModelFile.Loaded parent = ModelFile.load(dir.resolve("m.onnx"));

        FineTuneJob.Result tuned = FineTuneJob.finetune(parent, data, "shapes", FreezePolicy.unfreezeLast(3), 0.1, 0,
                TrainerTest.quick(1), "2", "t", TrainerTest.nullStream());

        // conv2, fc1, fc2 are the last three weight layers
        assertEquals(Set.of("conv2.weight", "conv2.bias", "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"), tuned.trained());
        for (String frozen : new String[]{"conv1.weight", "bn1.weight", "bn1.bias", "bn1.running_mean", "bn1.running_var"}) {
            assertArrayEquals(parent.parameters().get(frozen).data(), tuned.parameters().get(frozen).data(), frozen);
        }
        assertFalse(Arrays.equals(parent.parameters().get("conv2.weight").data(), tuned.parameters().get("conv2.weight").data()));
    }
}
