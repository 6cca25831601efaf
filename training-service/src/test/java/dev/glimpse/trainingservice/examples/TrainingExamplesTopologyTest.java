package dev.glimpse.trainingservice.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.glimpse.contracts.events.DeadLetter;
import dev.glimpse.contracts.events.ImageEvent;
import dev.glimpse.contracts.events.Label;
import dev.glimpse.contracts.events.TrainingExample;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainingExamplesTopologyTest {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private final TrainingExamplesConfig config = TrainingExamplesConfig.defaults(10)
            .withRetention(Duration.ofHours(1), Duration.ofMinutes(1)).withHoldoutFraction(0.25);
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    @TempDir
    java.nio.file.Path stateDir;
    private TopologyTestDriver driver;
    private TestInputTopic<String, byte[]> images;
    private TestInputTopic<String, byte[]> labels;
    private TestOutputTopic<String, byte[]> examples;
    private TestOutputTopic<String, byte[]> deadletters;

    @BeforeEach
    void setUp() {
        StreamsBuilder builder = new StreamsBuilder();
        TrainingExamplesTopology.create(builder, config, registry);
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "training-examples-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        driver = new TopologyTestDriver(builder.build(), props, T0);
        images = driver.createInputTopic("images", new StringSerializer(), new ByteArraySerializer());
        labels = driver.createInputTopic("labels", new StringSerializer(), new ByteArraySerializer());
        examples = driver.createOutputTopic("training-examples", new StringDeserializer(), new ByteArrayDeserializer());
        deadletters = driver.createOutputTopic("deadletter", new StringDeserializer(), new ByteArrayDeserializer());
    }

    @AfterEach
    void tearDown() {
        driver.close();
    }

    @Test
    void shouldEmitExampleWithImageBytesWhenLabelArrivesAfterImage() throws Exception {
        // Given an image
        images.pipeInput("img-1", image("img-1", 7).toByteArray(), T0);
        // When its label arrives 50 minutes later (within the 1 h retention)
        labels.pipeInput("img-1", label("img-1", 3).toByteArray(), T0.plus(Duration.ofMinutes(50)));
        // Then one example carries the label and the image's bytes
        List<KeyValue<String, byte[]>> out = examples.readKeyValuesToList();
        assertEquals(1, out.size());
        TrainingExample ex = TrainingExample.parseFrom(out.get(0).value);
        assertEquals("img-1", ex.getImageId());
        assertEquals(3, ex.getLabel().getLabel());
        assertEquals(image("img-1", 7).getData(), ex.getImage().getData());
        assertEquals(2, ex.getImage().getWidth());
        assertTrue(deadletters.isEmpty());
    }

    @Test
    void shouldJoinWhenLabelArrivesBeforeImage() throws Exception {
        labels.pipeInput("img-2", label("img-2", 1).toByteArray(), T0);
        images.pipeInput("img-2", image("img-2", 1).toByteArray(), T0.plusSeconds(1));
        assertEquals(1, TrainingExample.parseFrom(examples.readValue()).getLabel().getLabel());
    }

    @Test
    void shouldDeadLetterLabelOutOfRange() throws Exception {
        images.pipeInput("img-3", image("img-3", 1).toByteArray(), T0);
        labels.pipeInput("img-3", label("img-3", 10).toByteArray(), T0.plusSeconds(1));
        labels.pipeInput("img-3", label("img-3", -1).toByteArray(), T0.plusSeconds(2));
        assertTrue(examples.isEmpty());
        List<DeadLetter> dead = readDead();
        assertEquals(2, dead.size());
        assertEquals("bad-label", dead.get(0).getReason());
        assertTrue(dead.get(0).getDetail().contains("out of range [0, 10)"), dead.get(0).getDetail());
        assertEquals("labels", dead.get(0).getSourceTopic(), "the dead letter names where the bad record came from");
        assertEquals(2.0, registry.counter("glimpse.deadletter", "stage", "training", "reason", "bad-label").count());
    }

    @Test
    void shouldDeadLetterLabelKeyedByAnotherImageId() throws Exception {
        labels.pipeInput("img-a", label("img-b", 1).toByteArray(), T0);
        DeadLetter dead = readDead().get(0);
        assertEquals("bad-label", dead.getReason());
        assertTrue(dead.getDetail().contains("differs from the label's image id"), dead.getDetail());
    }

    @Test
    void shouldDeadLetterMalformedLabelBytes() throws Exception {
        labels.pipeInput("img-4", new byte[] {(byte) 0xff, 0x01, 0x02}, T0);
        DeadLetter dead = readDead().get(0);
        assertEquals("malformed-event", dead.getReason());
        assertEquals(ByteString.copyFrom(new byte[] {(byte) 0xff, 0x01, 0x02}), dead.getOriginalValue());
    }

    @Test
    void shouldDeadLetterLabelWhoseImageIsUnknownAfterRetention() throws Exception {
        // Given a label for an image that never arrives
        labels.pipeInput("ghost", label("ghost", 2).toByteArray(), T0);
        // When event time passes beyond retention + grace (any later record advances stream time)
        assertTrue(readDead().isEmpty(), "not yet: the image may still come within the retention");
        images.pipeInput("other", image("other", 1).toByteArray(), T0.plus(Duration.ofMinutes(62)));
        labels.pipeInput("other", label("other", 4).toByteArray(), T0.plus(Duration.ofMinutes(62)));
        // Then the orphan label is dead-lettered with the reason, and the other one joined
        List<DeadLetter> dead = readDead();
        assertEquals(1, dead.size());
        assertEquals("unknown-image", dead.get(0).getReason());
        assertEquals("ghost", dead.get(0).getImageId());
        assertEquals(1, examples.readValuesToList().size());
    }

    @Test
    void shouldNotJoinImageOlderThanRetention() throws Exception {
        images.pipeInput("old", image("old", 1).toByteArray(), T0);
        labels.pipeInput("old", label("old", 2).toByteArray(), T0.plus(Duration.ofHours(2)));
        labels.pipeInput("tick", label("tick", 2).toByteArray(), T0.plus(Duration.ofHours(4)));
        assertTrue(examples.isEmpty(), "an image older than the retention is gone");
        assertEquals("unknown-image", readDead().get(0).getReason());
    }

    @Test
    void shouldSplitStablyByImageIdWithConfiguredFraction() throws Exception {
        // Given 1,000 labeled images
        int n = 1000;
        for (int i = 0; i < n; i++) {
            images.pipeInput("id-" + i, image("id-" + i, 1).toByteArray(), T0.plusMillis(i));
            labels.pipeInput("id-" + i, label("id-" + i, i % 10).toByteArray(), T0.plusMillis(i));
        }
        // Then about 25 % are holdout, and the split equals an independent recomputation of the hash
        int holdout = 0;
        HoldoutSplit split = new HoldoutSplit(0.25);
        for (byte[] v : examples.readValuesToList()) {
            TrainingExample ex = TrainingExample.parseFrom(v);
            boolean isHoldout = TrainingExamplesTopology.splitOf(ex).equals("holdout");
            assertEquals(split.isHoldout(ex.getImageId()), isHoldout);
            holdout += isHoldout ? 1 : 0;
        }
        assertEquals(0.25, holdout / (double) n, 0.045); // binomial sd = 0.0137
        // and per-class counters add up
        double total = 0;
        for (int c = 0; c < 10; c++) {
            total += registry.counter("glimpse.training.examples", "class", "" + c, "split", "train").count()
                    + registry.counter("glimpse.training.examples", "class", "" + c, "split", "holdout").count();
        }
        assertEquals(n, total);
        assertEquals(100.0, registry.counter("glimpse.training.examples", "class", "3", "split", "train").count()
                + registry.counter("glimpse.training.examples", "class", "3", "split", "holdout").count());
    }

    private List<DeadLetter> readDead() throws Exception {
        List<DeadLetter> out = new java.util.ArrayList<>();
        for (byte[] v : deadletters.readValuesToList()) {
            out.add(DeadLetter.parseFrom(v));
        }
        return out;
    }

    @Test
    void shouldDeadLetterGarbageAndImagesOverThePixelLimitFromTheirHeaderWithoutJoiningThem() throws Exception {
        // Given an image whose header claims 46000x46000 pixels, and bytes that are no ImageEvent at all
        ImageEvent bomb = ImageEvent.newBuilder().setImageId("bomb").setData(ByteString.copyFrom(
                headerOnlyPng(46_000, 46_000))).setContentType("image/png").build();
        images.pipeInput("bomb", bomb.toByteArray(), T0);
        images.pipeInput("junk", new byte[] {(byte) 0xff, 0x01, 0x02, 0x03, 0x04}, T0);
        // When a label for the bomb arrives
        labels.pipeInput("bomb", label("bomb", 1).toByteArray(), T0.plusSeconds(1));

        // Then no example is made; the bomb is dead-lettered as too-many-pixels, the junk as malformed-event, and
        // the bomb's label finds no image (the refused image never entered the join)
        assertTrue(examples.readKeyValuesToList().isEmpty());
        List<DeadLetter> dead = readDead();
        assertEquals(List.of("too-many-pixels", "malformed-event"), dead.stream().map(DeadLetter::getReason).toList());
        assertEquals("bomb", dead.get(0).getImageId());
        assertEquals("training", dead.get(0).getStage());
        assertEquals("images", dead.get(1).getSourceTopic());
    }

    /** A real 2x2 gray PNG of value {@code fill}: the topology reads its header. */
    static ImageEvent image(String id, int fill) {
        BufferedImage img = new BufferedImage(2, 2, BufferedImage.TYPE_BYTE_GRAY);
        for (int i = 0; i < 4; i++) {
            img.getRaster().setSample(i % 2, i / 2, 0, fill);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(img, "png", out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return ImageEvent.newBuilder().setImageId(id).setData(ByteString.copyFrom(out.toByteArray()))
                .setContentType("image/png").setWidth(2).setHeight(2).setChannels(1).setLabel(-1).build();
    }

    /** PNG signature, an IHDR of the given size (8-bit RGB) and IEND: enough for a reader to report the size. */
    static byte[] headerOnlyPng(int width, int height) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        chunk(out, "IHDR", ByteBuffer.allocate(13).putInt(width).putInt(height)
                .put((byte) 8).put((byte) 2).put((byte) 0).put((byte) 0).put((byte) 0).array());
        chunk(out, "IEND", new byte[0]);
        return out.toByteArray();
    }

    private static void chunk(ByteArrayOutputStream out, String type, byte[] data) {
        byte[] t = type.getBytes(StandardCharsets.US_ASCII);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data);
        out.writeBytes(ByteBuffer.allocate(4).putInt(data.length).array());
        out.writeBytes(t);
        out.writeBytes(data);
        out.writeBytes(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }

    static Label label(String id, int label) {
        return Label.newBuilder().setImageId(id).setLabel(label).setSource("console").build();
    }
}
