package dev.glimpse.launcher.commands;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
}
