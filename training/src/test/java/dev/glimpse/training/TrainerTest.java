package dev.glimpse.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.glimpse.datasets.DatasetSplit;
import dev.glimpse.datasets.InMemoryDataset;
import dev.glimpse.datasets.LabeledImage;
import dev.glimpse.datasets.ShapesConfig;
import dev.glimpse.datasets.ShapesDataset;
import dev.glimpse.runtime.GraphFacts;
import dev.glimpse.runtime.ModelMetadata;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.List;
import org.junit.jupiter.api.Test;

class TrainerTest {

    static final DatasetSplit TWO_SHAPES = ShapesDataset.split(new ShapesConfig(16, 1, 2, 0.05, 5), 1536, 300);

    /** Class 0: a bright blob somewhere in the left half; class 1: in the right half; noisy background. */
    static DatasetSplit leftRight(int n, long seed) {
        return bands(n, seed, 2);
    }

    /** Class c: a bright 2-3 px wide blob whose left edge lies in the c-th of k vertical bands of a 12x12 image. */
    static DatasetSplit bands(int n, long seed, int k) {
        java.util.Random rnd = new java.util.Random(seed);
        List<List<LabeledImage>> parts = List.of(new java.util.ArrayList<>(), new java.util.ArrayList<>());
        for (int part = 0; part < 2; part++) {
            for (int i = 0; i < (part == 0 ? n : n / 4); i++) {
                int label = rnd.nextInt(k);
                byte[] px = new byte[12 * 12];
                for (int j = 0; j < px.length; j++) {
                    px[j] = (byte) rnd.nextInt(60);
                }
                int band = 12 / k;
                int x0 = label * band + rnd.nextInt(Math.max(1, band - 2));
                int y0 = rnd.nextInt(10);
                for (int y = y0; y < y0 + 3; y++) {
                    for (int x = x0; x < Math.min(12, x0 + (k > 2 ? 2 : 3)); x++) {
                        px[y * 12 + x] = (byte) 220;
                    }
                }
                parts.get(part).add(new LabeledImage("lr/" + part + "/" + i, 1, 12, 12, px, label));
            }
        }
        List<String> names = k == 2 ? List.of("left", "right")
                : java.util.stream.IntStream.range(0, k).mapToObj(c -> "band" + c).toList();
        return new DatasetSplit(new InMemoryDataset("lr/train", parts.get(0), names, 1, 12, 12),
                new InMemoryDataset("lr/test", parts.get(1), names, 1, 12, 12));
    }

    static TrainingConfig quick(int epochs) {
        // no shift augmentation: in these synthetic sets the class is the blob's position
        return TrainingConfig.defaults().withEpochs(epochs).withProgress(false).withLearningRate(3e-3).withSeed(7)
                .withAugmentation(0, false);
    }

    @Test
    void shouldLearnSeparableProblemWithDecreasingLossInSeconds() throws OrtException {
        // Given a blob in the left or the right half of the image, and a one-conv network
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        long start = System.nanoTime();

        // When
        TrainingJob.Result r = TrainingJob.train("left-right", leftRight(1024, 3), "synthetic",
                "conv:4:3,relu,maxpool:2,flatten,fc:2", quick(4), "1", "test", new PrintStream(log));

        // Then the training loss falls epoch over epoch overall and held-out accuracy is high
        List<Trainer.EpochStats> epochs = r.report().epochs();
        assertEquals(4, epochs.size());
        assertTrue(epochs.get(3).trainLoss() < 0.5 * epochs.get(0).trainLoss(),
                "loss " + epochs.get(0).trainLoss() + " -> " + epochs.get(3).trainLoss());
        assertTrue(r.test().accuracy() >= 0.9, "test accuracy " + r.test().accuracy() + "\n" + log);
        assertTrue((System.nanoTime() - start) / 1e9 < 30, "took too long");
        assertTrue(log.toString().contains("epoch 4/4"), log.toString());
    }

    @Test
    void shouldWriteInferenceModelWhoseMetadataTheRuntimeAccepts() throws OrtException {
        // Given a trained model with batch norm and dropout
        TrainingJob.Result r = TrainingJob.train("two-shapes", TWO_SHAPES, "shapes",
                "conv:4:3:1:nobias,bn,relu,maxpool:2,flatten,fc:8,relu,dropout:0.5,fc:2", quick(1), "3", "cmd", nullStream());

        // Then ONNX Runtime loads it, the graph has no Dropout and BN in inference form, and metadata parses
        try (OrtSession s = OrtEnvironment.getEnvironment().createSession(r.model().toByteArray())) {
            ModelMetadata meta = ModelMetadata.read(s);
            assertEquals(List.of("circle", "square"), meta.labels());
            assertEquals("3", meta.version());
            assertEquals(16, meta.height());
            assertEquals("embedding", meta.embeddingOutput().orElseThrow());
            assertEquals(r.test().accuracy(), meta.metrics().get("accuracy"), 1e-4);
            assertEquals(1, GraphFacts.of(s).inputChannels());
        }
        List<String> ops = r.model().getGraph().getNodeList().stream().map(n -> n.getOpType()).toList();
        assertTrue(ops.contains("BatchNormalization") && !ops.contains("Dropout"), ops.toString());
        assertTrue(r.model().getGraph().getNodeList().stream().anyMatch(n -> n.getOutputList().contains("embedding")));
        // And evaluating the written model gives the accuracy recorded during training
        try (OrtSession s = Evaluator.session(r.model().toByteArray(), 1)) {
            Evaluation e = Evaluator.evaluate(s, TWO_SHAPES.test(), FineTuneJob.normalizationOf(
                    ModelFile.metadata(r.model()), TWO_SHAPES.train()), List.of("circle", "square"), 64);
            assertEquals(r.test().accuracy(), e.accuracy(), 0.01);
        }
    }

    static PrintStream nullStream() {
        return new PrintStream(java.io.OutputStream.nullOutputStream());
    }

    @Test
    void shouldKeepTheLastPartialBatchUnlessItIsASingleExample() {
        // 18 examples at batch 8: two full batches and a partial one of 2 (dropped before: 2 steps an epoch)
        assertEquals(3, Trainer.stepsPerEpoch(18, 8));
        assertEquals(18, Trainer.seenPerEpoch(18, 8));
        // a partial batch of one example has no batch statistics: it is left out
        assertEquals(2, Trainer.stepsPerEpoch(17, 8));
        assertEquals(16, Trainer.seenPerEpoch(17, 8));
        assertEquals(2, Trainer.stepsPerEpoch(16, 8));
    }
}
