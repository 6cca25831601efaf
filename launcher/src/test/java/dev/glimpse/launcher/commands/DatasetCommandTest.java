package dev.glimpse.launcher.commands;

import static dev.glimpse.launcher.commands.ModelsImportCommandTest.glimpse;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glimpse.datasets.Dataset;
import dev.glimpse.datasets.LabeledImage;
import dev.glimpse.datasets.PngCodec;
import dev.glimpse.datasets.ScenesDataset;
import dev.glimpse.launcher.commands.ModelsImportCommandTest.Run;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatasetCommandTest {

    @TempDir
    Path dir;

    @Test
    void shouldExportTheScenesAsAnImageFolderWithTheGeneratorsExactPixels() throws Exception {
        // When the first 40 training scenes are exported
        Run run = glimpse("dataset", "export", "--dataset", "scenes", "--split", "train", "--limit", "40",
                "--out", dir.toString());

        // Then there is one folder per class and each file holds the generator's pixels (PNG is lossless),
        // which a model trained outside Glimpse on the folder sees exactly as the demo replays them
        assertEquals(0, run.code(), run.err());
        assertTrue(run.out().startsWith("wrote 40 images of scenes/train"), run.out());
        Dataset scenes = ScenesDataset.split().train();
        for (String name : scenes.classNames()) {
            assertTrue(Files.isDirectory(dir.resolve(name)), "class folder " + name);
        }
        for (int i : new int[] {0, 7, 39}) {
            LabeledImage expected = scenes.get(i);
            Path file = dir.resolve(scenes.classNames().get(expected.label())).resolve(String.format("%06d.png", i));
            LabeledImage read = PngCodec.decode(file.toString(), Files.readAllBytes(file), 3, expected.label());
            assertArrayEquals(expected.pixels(), read.pixels(), "pixels of " + file);
        }
    }

    @Test
    void shouldRefuseAnUnknownSplitInOneLine() {
        Run run = glimpse("dataset", "export", "--dataset", "scenes", "--split", "validation", "--out", dir.toString());
        assertEquals(2, run.code());
        assertEquals("glimpse dataset export: --split must be train or test, got 'validation'", run.err().strip());
    }
}
