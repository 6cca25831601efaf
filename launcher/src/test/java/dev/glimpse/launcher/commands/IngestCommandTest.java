package dev.glimpse.launcher.commands;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glimpse.contracts.events.ImageEvent;
import dev.glimpse.launcher.Glimpse;
import dev.glimpse.platform.testing.KafkaBrokerExtension;
import dev.glimpse.platform.testing.KafkaTestContext;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(KafkaBrokerExtension.class)
class IngestCommandTest {

    @Test
    void shouldReplayADatasetIntoAnExternalClusterAndExit(KafkaTestContext kafka) {
        // When ./glimpse ingest replays 25 synthetic shapes against the test broker
        int exit = Glimpse.commandLine().execute("ingest", "--bootstrap-servers", kafka.bootstrapServers(),
                "--topic-prefix", kafka.topicPrefix(), "--dataset", "shapes", "--limit", "25", "--rate", "0",
                "--http-port", "-1", "--metrics-port", "-1", "--exit-when-done");

        // Then it exits 0 and the 25 images are on the prefixed images topic
        assertEquals(0, exit);
        List<ConsumerRecord<String, ImageEvent>> images = kafka.consume(kafka.catalog().images(), 25, Duration.ofSeconds(30));
        assertEquals(25, images.size());
    }

    @Test
    void shouldStartTheEmbeddedBrokerOnTheGivenPortAndDataDir(@TempDir Path dir) throws Exception {
        // Given a free port other than 9092 (where a demo may already run)
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        PrintStream out = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        int exit;
        try {
            // When ingest runs without bootstrap servers, so with its embedded broker
            exit = Glimpse.commandLine().execute("ingest", "--kafka-port", Integer.toString(port), "--data-dir",
                    dir.toString(), "--dataset", "shapes", "--limit", "5", "--rate", "0", "--http-port", "-1",
                    "--metrics-port", "-1", "--exit-when-done");
        } finally {
            System.setOut(out);
        }

        // Then the broker listened on that port and kept its data under DIR/kafka, as the demo's does
        String printed = captured.toString(StandardCharsets.UTF_8);
        assertEquals(0, exit, printed);
        assertTrue(printed.contains("embedded Kafka broker on 127.0.0.1:" + port + " "), printed);
        assertTrue(Files.isDirectory(dir.resolve("kafka")), "no " + dir.resolve("kafka"));
    }

    @Test
    void shouldNameTheKeyAndValueOfABadOption() {
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            int exit = Glimpse.commandLine().execute("ingest", "--bootstrap-servers", "127.0.0.1:1", "--rate", "-5");
            assertEquals(2, exit);
        } finally {
            System.setErr(err);
        }
        String message = captured.toString(StandardCharsets.UTF_8);
        assertTrue(message.contains("'ingest.dataset.rate'") && message.contains("'-5.0'"), message);
    }

    @Test
    void shouldPrintTheConfigurationReference() {
        PrintStream out = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            assertEquals(0, Glimpse.commandLine().execute("ingest", "--config-reference"));
        } finally {
            System.setOut(out);
        }
        String md = captured.toString(StandardCharsets.UTF_8);
        assertTrue(md.contains("| `ingest.max.bytes` | bytes | 8MiB |"), md);
        assertTrue(md.contains("| `bootstrap.servers` |"), md);
    }
}
