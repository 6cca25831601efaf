package dev.glimpse.ingest.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glimpse.contracts.TopicCatalog;
import dev.glimpse.contracts.events.DeadLetter;
import dev.glimpse.contracts.events.ImageEvent;
import dev.glimpse.ingest.ImageSamples;
import dev.glimpse.ingest.IngestConfig;
import dev.glimpse.ingest.IngestService;
import dev.glimpse.platform.metrics.MetricsServer;
import dev.glimpse.platform.testing.KafkaBrokerExtension;
import dev.glimpse.platform.testing.KafkaTestContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(KafkaBrokerExtension.class)
class DirectoryWatcherTest {

    private static IngestService start(KafkaTestContext kafka, Path dir, String interval) {
        IngestService service = new IngestService(IngestConfig.parse(Map.of(
                "bootstrap.servers", kafka.bootstrapServers(),
                "topics.prefix", kafka.topicPrefix(),
                IngestConfig.HTTP_PORT, -1,
                IngestConfig.WATCH_DIR, dir.toString(),
                IngestConfig.WATCH_INTERVAL, interval)), MetricsServer.newRegistry("ingest"));
        service.start();
        return service;
    }

    @Test
    void shouldIngestNewFilesAndMoveThemToDoneOrRejected(KafkaTestContext kafka, @TempDir Path dir) throws Exception {
        TopicCatalog catalog = new TopicCatalog(kafka.topicPrefix(), TopicCatalog.DEFAULT_PARTITIONS);
        try (IngestService service = start(kafka, dir, "50ms")) {
            // Given an image and a text file copied into the watched directory (written, then renamed in)
            Files.write(dir.resolve("shirt.png.tmp"), ImageSamples.grayPng());
            Files.move(dir.resolve("shirt.png.tmp"), dir.resolve("shirt.png"));
            Files.write(dir.resolve("notes.txt"), ImageSamples.text());

            // When the watcher has seen them twice unchanged
            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() ->
                    Files.exists(dir.resolve("done/shirt.png")) && Files.exists(dir.resolve("rejected/notes.txt")));

            // Then the image is on images, the text on deadletter, and the reason is written beside the rejected file
            assertFalse(Files.exists(dir.resolve("shirt.png")));
            assertTrue(Files.readString(dir.resolve("rejected/notes.txt.reason")).startsWith("unsupported-format: "));
            List<ConsumerRecord<String, ImageEvent>> images = kafka.consume(catalog.images(), 1, Duration.ofSeconds(20));
            assertEquals(1, images.size());
            assertEquals("shirt.png", images.get(0).value().getAttributesMap().get("filename"));
            assertEquals("directory:" + dir.toAbsolutePath().normalize(), images.get(0).value().getSource());
            List<ConsumerRecord<String, DeadLetter>> letters = kafka.consume(catalog.deadletter(), 1, Duration.ofSeconds(20));
            assertEquals("unsupported-format", letters.get(0).value().getReason());
        }
    }

    @Test
    void shouldWaitUntilAFileStopsGrowing(KafkaTestContext kafka, @TempDir Path dir) throws Exception {
        // A long interval: the test drives the scans itself, once the scheduled one at start has run
        try (IngestService service = start(kafka, dir, "1h")) {
            DirectoryWatcher watcher = service.watcher().orElseThrow();
            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> watcher.scheduledScans() >= 1);
            byte[] png = ImageSamples.grayPng();
            Path file = dir.resolve("slow.png");
            Files.write(file, java.util.Arrays.copyOf(png, 40));

            assertEquals(0, watcher.scanOnce(), "first sight: remembered, not taken");
            Files.write(file, java.util.Arrays.copyOfRange(png, 40, png.length), StandardOpenOption.APPEND);
            assertEquals(0, watcher.scanOnce(), "it grew since the last scan: still being written");
            assertEquals(1, watcher.scanOnce(), "unchanged for one interval: taken");
            assertTrue(Files.exists(dir.resolve("done/slow.png")), "the complete file was accepted");
        }
    }

    @Test
    void shouldPublishEachFileExactlyOnceWhenRestartedAfterACrashBetweenCommitAndMove(KafkaTestContext kafka,
                                                                                      @TempDir Path dir) throws Exception {
        TopicCatalog catalog = kafka.catalog();
        List<String> names = List.of("a.png", "b.png", "c.png", "d.png", "e.png", "f.png");
        Map<String, byte[]> files = new java.util.LinkedHashMap<>();
        for (int i = 0; i < names.size(); i++) {
            files.put(names.get(i), ImageSamples.encode(ImageSamples.drawing(20 + i, 20, java.awt.image.BufferedImage.TYPE_BYTE_GRAY), "png"));
        }
        IngestService first = start(kafka, dir, "1h"); // the test drives the scans
        try {
            // Given a watcher that has committed a, b and c but crashed before moving them out of the directory (its
            // done/ is a dangling link, so each move fails as if the process had died right after the commit)
            DirectoryWatcher watcher = first.watcher().orElseThrow();
            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> watcher.scheduledScans() >= 1);
            for (String name : names.subList(0, 3)) {
                Files.write(dir.resolve(name), files.get(name));
            }
            Files.delete(dir.resolve("done"));
            Files.createSymbolicLink(dir.resolve("done"), dir.resolve("no-such-folder"));
            // (two scans: the first sees the files, the second takes them unchanged)
            assertEquals(3, watcher.scanOnce() + watcher.scanOnce(), "a, b and c sent and committed");
            for (String name : names.subList(0, 3)) {
                assertTrue(Files.exists(dir.resolve(name)), name + " is still in the directory (its move failed)");
            }
            // and d, e and f arrived after that scan: the directory is only partly published
            for (String name : names.subList(3, 6)) {
                Files.write(dir.resolve(name), files.get(name));
            }
            Files.delete(dir.resolve("done"));

            // When a new ingest starts on the same directory (it fences the dead one) and scans it twice
            try (IngestService second = start(kafka, dir, "1h")) {
                DirectoryWatcher restarted = second.watcher().orElseThrow();
                Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> restarted.scheduledScans() >= 1);
                restarted.scanOnce();
                restarted.scanOnce();

                // Then every file is in done/ and the directory is empty
                for (String name : names) {
                    assertTrue(Files.exists(dir.resolve("done").resolve(name)), name + " moved to done/");
                    assertFalse(Files.exists(dir.resolve(name)), name + " left the directory");
                }
                // and the position counts six files sent in all, each published once (a, b and c by the first start)
                assertEquals(6, restarted.position().getNextIndex());
                assertEquals(6, restarted.position().getPublished());
            }
        } finally {
            first.close();
        }
        // and the topic (read_committed) holds each file exactly once, under the id of its name and content:
        // without the position, a, b and c would be there twice
        List<ConsumerRecord<String, ImageEvent>> images = kafka.readAll(catalog.images());
        Map<String, String> idByName = new java.util.HashMap<>();
        for (ConsumerRecord<String, ImageEvent> r : images) {
            String name = r.value().getAttributesMap().get("filename");
            assertEquals(null, idByName.put(name, r.key()), name + " published twice");
        }
        assertEquals(names.size(), images.size());
        for (String name : names) {
            assertEquals(DirectoryWatcher.imageId(name, files.get(name)), idByName.get(name), name);
        }
    }
}
