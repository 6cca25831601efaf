package dev.glimpse.launcher.commands;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.glimpse.datasets.FashionMnist;
import dev.glimpse.launcher.Glimpse;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class DemoCommandTest {

    @TempDir
    Path dataDir;

    @Test
    void shouldStopAfter500EventsAndPrintTheSummaryWithExitCode0() {
        // Given the whole CLI, in this JVM, on free ports and a fresh data directory
        CommandLine cli = Glimpse.commandLine();
        StringWriter out = new StringWriter();
        cli.setOut(new PrintWriter(out));

        // When the demo runs for 500 events
        int code = cli.execute("demo", "--events", "500", "--data-dir", dataDir.toString(), "--kafka-port", "0",
                "--metrics-port", "0", "--ingest-port", "0", "--http-port", "0", "--rate", "0", "--device", "auto");

        // Then it exits 0 with a summary of 500 predictions and no dead letters
        String summary = out.toString();
        assertEquals(0, code, summary);
        assertTrue(summary.contains("summary: events 500, predictions 500, dead letters 0"), summary);
        assertTrue(summary.contains("on cpu"), "auto falls back to the CPU here: " + summary);
        Matcher accuracy = Pattern.compile("accuracy (\\d\\.\\d+)").matcher(summary);
        if (FashionMnist.isAvailable()) {
            // the replayed Fashion-MNIST test images carry labels; the bundled or trained model is a real classifier
            assertTrue(accuracy.find(), summary);
            assertTrue(Double.parseDouble(accuracy.group(1)) > 0.8, summary);
        }
    }

    @Test
    void shouldRetrainAndPromoteFromFeedbackAndPrintAccuracyPerVersion() {
        assumeTrue(FashionMnist.isAvailable(), "--feedback replays Fashion-MNIST (Debian package dataset-fashion-mnist)");
        // Given the whole CLI and the demo's weak start model (tests run in launcher/, the demo's default path is
        // relative to the repository root); the replay runs at full speed, so the stream ends before the retrain lands
        Path weak = Path.of("..").resolve(DemoCommand.FEEDBACK_START_MODEL);
        CommandLine cli = Glimpse.commandLine();
        StringWriter out = new StringWriter();
        cli.setOut(new PrintWriter(out));

        // When 1,200 images are replayed with half of their labels as feedback (600 labels: one run per 500)
        int code = cli.execute("demo", "--events", "1200", "--feedback", "0.5", "--data-dir", dataDir.toString(),
                "--kafka-port", "0", "--metrics-port", "0", "--ingest-port", "0", "--http-port", "0", "--rate", "0",
                "--explain-policy", "off", "--device", "cpu", "--model", weak.toString());

        // Then the demo started from the weak model, waited for the training run, which promoted v2 over it,
        // and printed accuracy per version (v1 knows classes 0-4 only)
        String summary = out.toString();
        assertEquals(0, code, summary);
        assertTrue(summary.contains("summary: events 1200, predictions 1200, dead letters 0"), summary);
        Matcher training = Pattern.compile("training: (\\d+) run\\(s\\); promoted v2 \\(holdout (\\d\\.\\d+) -> (\\d\\.\\d+)\\)")
                .matcher(summary);
        assertTrue(training.find(), summary);
        assertTrue(Double.parseDouble(training.group(3)) > Double.parseDouble(training.group(2)), summary);
        Matcher v1 = Pattern.compile("accuracy by model version: v1 (\\d\\.\\d+) \\((\\d+) predictions").matcher(summary);
        assertTrue(v1.find(), summary);
        assertTrue(Double.parseDouble(v1.group(1)) <= 0.5, "the start model knows half the classes: " + summary);
    }
}
