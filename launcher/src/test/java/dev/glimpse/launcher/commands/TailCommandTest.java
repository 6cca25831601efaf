package dev.glimpse.launcher.commands;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import dev.glimpse.contracts.TopicCatalog;
import dev.glimpse.contracts.events.ClassScore;
import dev.glimpse.contracts.events.DeadLetter;
import dev.glimpse.contracts.events.ImageEvent;
import dev.glimpse.contracts.events.Prediction;
import dev.glimpse.launcher.Glimpse;
import dev.glimpse.platform.kafka.EmbeddedKafkaBroker;
import dev.glimpse.platform.kafka.KafkaClients;
import dev.glimpse.platform.testing.KafkaBrokerExtension;
import dev.glimpse.platform.testing.KafkaTestContext;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(KafkaBrokerExtension.class)
class TailCommandTest {

    private record Run(int exit, String out, String err) {
        List<String> lines() {
            return out.lines().toList();
        }
    }

    private static synchronized Run glimpse(String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
        try {
            int exit = Glimpse.commandLine().execute(args);
            return new Run(exit, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    @Test
    void shouldBuildItsConsumerWithTheKafkaSecuritySettings() {
        // Given tail and deadletters pointed at a SASL cluster with -c settings
        for (Object command : List.of(new TailCommand(), new DeadLettersCommand())) {
            new picocli.CommandLine(command).parseArgs(command instanceof TailCommand ? new String[] {"images",
                    "--bootstrap-servers", "kafka.example:9093", "-c", "kafka.security.protocol=SASL_PLAINTEXT",
                    "-c", "kafka.sasl.mechanism=PLAIN", "-c", "kafka.sasl.username=reader", "-c", "kafka.sasl.password=pw"}
                    : new String[] {"--bootstrap-servers", "kafka.example:9093", "-c", "kafka.security.protocol=SASL_PLAINTEXT",
                    "-c", "kafka.sasl.mechanism=PLAIN", "-c", "kafka.sasl.username=reader", "-c", "kafka.sasl.password=pw"});
            dev.glimpse.launcher.topics.KafkaSource source = command instanceof TailCommand t ? t.source
                    : ((DeadLettersCommand) command).source;
            // When the source is opened (no connection is made until a read)
            try (var connection = source.open()) {
                // Then the clients its reader is built from carry them
                var props = connection.clients().commonProperties();
                assertEquals("kafka.example:9093", connection.bootstrapServers());
                assertEquals("SASL_PLAINTEXT", props.get("security.protocol"));
                assertEquals("PLAIN", props.get("sasl.mechanism"));
                assertTrue(String.valueOf(props.get("sasl.jaas.config")).contains("PlainLoginModule required username=\"reader\""),
                        String.valueOf(props.get("sasl.jaas.config")));
            }
        }
    }

    @Test
    void shouldDecodeTopicsAsJsonLinesWithoutImageBytesAndCountDistinctKeys(KafkaTestContext kafka) throws Exception {
        // Given two images (one of 50 kB) and three predictions of two images (one predicted twice)
        TopicCatalog catalog = kafka.catalog();
        kafka.produce(catalog.images(), "a", ImageEvent.newBuilder().setImageId("a").setData(ByteString.copyFrom(new byte[50_000]))
                .setWidth(100).setHeight(100).build());
        kafka.produce(catalog.images(), "b", ImageEvent.newBuilder().setImageId("b").setData(ByteString.copyFrom(new byte[10])).build());
        for (String id : List.of("a", "b", "a")) {
            kafka.produce(catalog.predictions(), id, Prediction.newBuilder().setImageId(id).setModelName("m").setModelVersion("1")
                    .addTopK(ClassScore.newBuilder().setClassIndex(2).setClassName("pullover").setProbability(0.75f)).build());
        }
        String[] where = {"--bootstrap-servers", kafka.bootstrapServers(), "--topic-prefix", kafka.topicPrefix()};

        // When the topics are tailed from the beginning as JSON
        Run images = glimpse(concat(new String[] {"tail", "images", "--from-beginning", "--json"}, where));

        // Then each image is one line, its bytes given as a size (not 50 kB of base64)
        assertEquals(0, images.exit(), images.err());
        assertEquals(2, images.lines().size(), images.out());
        JsonNode first = new ObjectMapper().readTree(images.lines().stream().filter(l -> l.contains("\"key\":\"a\"")).findFirst().orElseThrow());
        assertEquals(50_000, first.get("value").get("data").get("bytes").asInt());
        assertEquals(100, first.get("value").get("width").asInt());
        assertTrue(images.out().length() < 2000, "no image bytes printed: " + images.out().length() + " chars");

        // and the predictions decode with their classes, and --count counts records and distinct keys
        Run predictions = glimpse(concat(new String[] {"tail", "predictions", "--from-beginning"}, where));
        assertEquals(3, predictions.lines().size(), predictions.out());
        assertTrue(predictions.out().contains("\"class_name\":\"pullover\""), predictions.out());
        Run count = glimpse(concat(new String[] {"tail", "predictions", "--count"}, where));
        assertEquals("records 3, distinct keys 2", count.out().trim());
    }

    @Test
    void shouldPrintDeadLettersReadablyFilteredByStageAndReason(KafkaTestContext kafka) {
        TopicCatalog catalog = kafka.catalog();
        kafka.produce(catalog.deadletter(), "x", DeadLetter.newBuilder().setStage("ingest").setReason("too-many-bytes")
                .setImageId("x").setDetail("the request body exceeds the limit of 8388608 bytes").setOriginalSize(9_000_000)
                .setOriginalTruncated(true).setOriginalValue(ByteString.copyFrom(new byte[1 << 20])).setFailedAtMs(1_700_000_000_000L).build());
        kafka.produce(catalog.deadletter(), "y", DeadLetter.newBuilder().setStage("explain").setReason("image-unavailable")
                .setImageId("y").setDetail("image not seen").setSourceTopic("predictions").setSourcePartition(1).setSourceOffset(7).build());
        String[] where = {"--bootstrap-servers", kafka.bootstrapServers(), "--topic-prefix", kafka.topicPrefix()};

        Run all = glimpse(concat(new String[] {"deadletters"}, where));
        assertEquals(0, all.exit(), all.err());
        assertTrue(all.out().contains("2023-11-14T22:13:20Z  ingest  too-many-bytes  x  \"the request body exceeds the limit of 8388608 bytes\"  (8.6 MB, first 1.0 MB kept)"), all.out());
        assertTrue(all.out().contains("explain  image-unavailable  y  \"image not seen\"  (from predictions p1@7)"), all.out());
        assertTrue(all.out().contains("dead letters: 2 | explain image-unavailable 1 | ingest too-many-bytes 1"), all.out());

        Run ingestOnly = glimpse(concat(new String[] {"deadletters", "--stage", "ingest"}, where));
        assertFalse(ingestOnly.out().contains("image-unavailable  y"), ingestOnly.out());
        Run byReason = glimpse(concat(new String[] {"deadletters", "--reason", "image-unavailable"}, where));
        assertTrue(byReason.out().contains("dead letters: 1 | explain image-unavailable 1"), byReason.out());
    }

    @Test
    void shouldRefuseAnUnknownTopicWithOneLine(KafkaTestContext kafka) {
        Run r = glimpse("tail", "predictionz", "--bootstrap-servers", kafka.bootstrapServers());
        assertEquals(2, r.exit());
        assertTrue(r.err().startsWith("glimpse tail: unknown topic 'predictionz'; Glimpse topics: images, predictions"), r.err());
    }

    @Test
    void shouldReadARunningDemosDataDirectoryFromItsClusterNotItsFiles(@TempDir Path data) throws Exception {
        // Given a cluster running on <data>/kafka (as a demo's) with two predictions
        TopicCatalog catalog = TopicCatalog.defaults();
        try (EmbeddedKafkaBroker demo = EmbeddedKafkaBroker.builder().dataDir(data.resolve("kafka")).preferredPort(0)
                .topics(catalog).start()) {
            KafkaClients clients = new KafkaClients(demo.bootstrapServers());
            try (Producer<byte[], byte[]> producer = clients.producer("tail-test")) {
                for (String id : List.of("p-1", "p-2")) {
                    producer.send(new ProducerRecord<>(catalog.predictions().name(), catalog.predictions().serializeKey(id),
                            catalog.predictions().serializeValue(Prediction.newBuilder().setImageId(id).build()))).get();
                }
            }

            // When tail is pointed at the data directory while the cluster runs
            Run r = glimpse("tail", "predictions", "--from-beginning", "--count", "--data-dir", data.toString());

            // Then it reads them from the running cluster (a second broker on the same files would corrupt them)
            assertEquals(0, r.exit(), r.err());
            assertEquals("records 2, distinct keys 2", r.out().strip());
            assertTrue(r.err().contains("reading from its cluster at " + demo.bootstrapServers()), r.err());
        }
    }

    @Test
    void shouldRefuseABadDemoOptionWithOneLineAndExit2() {
        Run r = glimpse("demo", "--dataset", "mnist-of-cats");
        assertEquals(2, r.exit());
        assertEquals("glimpse demo: --dataset must be fashion-mnist, shapes or scenes, got 'mnist-of-cats'", r.err().strip());
    }

    private static String[] concat(String[] a, String[] b) {
        String[] out = new String[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
