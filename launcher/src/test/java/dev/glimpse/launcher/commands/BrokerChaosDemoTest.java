package dev.glimpse.launcher.commands;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glimpse.launcher.Glimpse;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class BrokerChaosDemoTest {

    @TempDir
    Path dataDir;

    @Test
    void shouldLoseAndDuplicateNothingWhenTheBusiestBrokerIsKilledAndRestarted() {
        // Given the whole CLI in this JVM: a 3-node cluster, 3,000 images replayed at 400/s, every 10th explained
        CommandLine cli = Glimpse.commandLine();
        StringWriter out = new StringWriter();
        cli.setOut(new PrintWriter(out));

        // When the broker leading the most partitions is killed after 1,000 events and restarted 3 s later
        int code = cli.execute("demo", "--brokers", "3", "--events", "3000", "--kill-broker-at", "1000",
                "--restart-broker-after", "3", "--rate", "400", "--explain-policy", "sample:0.1",
                "--data-dir", dataDir.toString(), "--kafka-port", "0", "--metrics-port", "0", "--ingest-port", "-1",
                "--http-port", "-1", "--device", "cpu", "--timeout-seconds", "300");

        // Then the demo exits 0 (every service, monitoring included, ran throughout: the demo stops with 1 otherwise)
        String summary = out.toString();
        assertEquals(0, code, summary);
        assertTrue(summary.contains("summary: events 3000, predictions 3000, dead letters 0"), summary);
        // and says which broker was killed at which event, and that it came back
        Matcher chaos = Pattern.compile("chaos: killed broker (\\d) at event (\\d+) \\(leader of (\\d+) partitions").matcher(summary);
        assertTrue(chaos.find(), summary);
        assertTrue(Long.parseLong(chaos.group(2)) >= 1000 && Long.parseLong(chaos.group(2)) < 3000, summary);
        assertTrue(Integer.parseInt(chaos.group(3)) > 0, "the busiest broker leads partitions: " + summary);
        assertTrue(summary.contains("restarted after"), summary);
        // and the predictions topic, read_committed, holds each of the 3,000 images exactly once
        assertTrue(summary.contains("3000 records, 3000 distinct image ids for 3000 published images; lost 0, duplicated 0"),
                summary);
        assertTrue(summary.strip().endsWith("lost 0, duplicated 0"), summary);
        // and explanations went on after the kill: the sample selects a share of the 3,000 (192 in a measured run, a
        // share of 0.064), about 65 of them among the first 1,018; more than 120 means most came after the kill
        Matcher explained = Pattern.compile("explained (\\d+) selected predictions: \\d+ explanations, 0 failures").matcher(summary);
        assertTrue(explained.find(), summary);
        assertTrue(Integer.parseInt(explained.group(1)) > 120, summary);
    }
}
