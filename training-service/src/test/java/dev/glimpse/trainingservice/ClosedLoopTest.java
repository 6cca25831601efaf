package dev.glimpse.trainingservice;

import dev.glimpse.registry.announce.KafkaModelAnnouncer;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtSession;
import com.google.protobuf.ByteString;
import dev.glimpse.contracts.TopicCatalog;
import dev.glimpse.contracts.events.ImageEvent;
import dev.glimpse.contracts.events.Label;
import dev.glimpse.datasets.LabeledImage;
import dev.glimpse.platform.testing.KafkaBrokerExtension;
import dev.glimpse.platform.testing.KafkaTestContext;
import dev.glimpse.runtime.OrtSessions;
import dev.glimpse.registry.swap.HotSwapSlot;
import dev.glimpse.registry.swap.LoadedCandidate;
import dev.glimpse.registry.swap.ModelCandidateLoader;
import dev.glimpse.registry.swap.ModelSwapper;
import dev.glimpse.registry.swap.ModelsTopicListener;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The closed loop with a minimal serving loop standing in for the inference worker: a model that knows classes 0-4
 * serves a labeled stream of all ten; the training service fine-tunes and publishes; the serving loop swaps between
 * batches; accuracy over the stream rises, and every event is answered exactly once by one named version.
 */
@ExtendWith(KafkaBrokerExtension.class)
class ClosedLoopTest {
    private static final int BATCH = 50;
    @TempDir
    Path dir;

    /** The serving wrapper: the verified session, its version and normalisation. */
    record Served(String version, LoadedCandidate.Ready ready) implements AutoCloseable {
        int[] classify(List<LabeledImage> images) throws Exception {
            int per = 28 * 28;
            float[] x = new float[images.size() * per];
            float mean = ready.metadata().mean()[0];
            float std = ready.metadata().std()[0];
            for (int i = 0; i < images.size(); i++) {
                byte[] px = images.get(i).pixels();
                for (int j = 0; j < per; j++) {
                    x[i * per + j] = ((px[j] & 0xff) / 255f - mean) / std;
                }
            }
            try (OnnxTensor in = OnnxTensor.createTensor(OrtSessions.environment(), FloatBuffer.wrap(x),
                    new long[] {images.size(), 1, 28, 28});
                 OrtSession.Result r = ready.session().session().run(Map.of(ready.graph().inputName(), in))) {
                float[][] logits = (float[][]) r.get(ready.graph().outputName()).orElseThrow().getValue();
                int[] top1 = new int[images.size()];
                for (int i = 0; i < logits.length; i++) {
                    for (int c = 1; c < logits[i].length; c++) {
                        if (logits[i][c] > logits[i][top1[i]]) {
                            top1[i] = c;
                        }
                    }
                }
                return top1;
            }
        }

        @Override
        public void close() {
            ready.close();
        }
    }

    @Test
    void shouldRaiseLiveAccuracyByFineTuningOnFeedbackWithoutLosingEvents(KafkaTestContext kafka) throws Exception {
        assumeTrue(TestModels.fashionAvailable(), "needs Fashion-MNIST (Debian package dataset-fashion-mnist)");
        TopicCatalog catalog = kafka.catalog();
        Map<String, Object> raw = new HashMap<>();
        raw.put("bootstrap.servers", kafka.bootstrapServers());
        raw.put("topics.prefix", catalog.prefix());
        raw.put(TrainingServiceConfig.STORE_DIR, dir.resolve("store").toString());
        raw.put(TrainingServiceConfig.STATE_DIR, dir.resolve("streams").toString());
        raw.put(TrainingServiceConfig.APPLICATION_ID, kafka.groupId("training"));
        raw.put(TrainingServiceConfig.BOOTSTRAP_MODEL, TestModels.firstFiveClasses().toString());
        raw.put(TrainingServiceConfig.EVERY_EXAMPLES, "3500");
        raw.put(TrainingServiceConfig.MIN_TRAIN, "2000");
        raw.put(TrainingServiceConfig.BUFFER_PER_CLASS, "600");
        raw.put(TrainingServiceConfig.EPOCHS, "12");
        raw.put(TrainingServiceConfig.LR, "0.002");
        raw.put(TrainingServiceConfig.UNFREEZE_LAST, "2");
        raw.put(TrainingServiceConfig.BACKBONE_LR_SCALE, "0.3");
        raw.put(TrainingServiceConfig.MARGIN, "0.02");
        raw.put(TrainingServiceConfig.MAX_CLASS_DROP, "0.3");
        raw.put(TrainingServiceConfig.HTTP_PORT, "-1");
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        // the stream: 4,000 labeled images v1 never saw (the feedback), then 1,500 images no model saw
        List<LabeledImage> stream = new ArrayList<>(TestModels.images(6000, 10000));
        stream.addAll(TestModels.freshImages(0, 1500));
        Map<String, String> answeredBy = new LinkedHashMap<>();
        Map<String, long[]> accuracy = new LinkedHashMap<>();
        try (TrainingService service = new TrainingService(TrainingServiceConfig.parse(raw), registry);
             KafkaModelAnnouncer announcer = new KafkaModelAnnouncer(kafka.clients().producer("worker-announcer",
                     new StringSerializer(), catalog.models().valueSerde().serializer(), Map.of()), catalog.models());
             ModelCandidateLoader loader = ModelCandidateLoader.onCpu();
             HotSwapSlot<Served> live = new HotSwapSlot<>(null);
             Producer<byte[], byte[]> producer = kafka.clients().producer("replay")) {
            service.start();
            ModelSwapper<Served> swapper = new ModelSwapper<>("fashion", "w1", null, null, loader,
                    ready -> new Served(ready.announcement().getVersion(), ready), live, null, announcer, registry);
            try (ModelsTopicListener listener = new ModelsTopicListener(kafka.clients().consumer(null, "w1-models"),
                    catalog.models(), "fashion", swapper)) {
                listener.start();
                Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> "v1".equals(swapper.servingVersion()));
                swapper.awaitIdle();
                for (int start = 0; start < stream.size(); start += BATCH) {
                    if (start == 4000) {
                        // the feedback of the first 4,000 events has to reach the trainer before the rest streams
                        Awaitility.await().atMost(Duration.ofSeconds(120)).until(() -> "v2".equals(swapper.servingVersion()));
                    }
                    List<LabeledImage> batch = stream.subList(start, Math.min(stream.size(), start + BATCH));
                    Served model = live.forNextBatch();
                    int[] top1 = model.classify(batch);
                    long[] acc = accuracy.computeIfAbsent(model.version(), v -> new long[2]);
                    for (int i = 0; i < batch.size(); i++) {
                        LabeledImage img = batch.get(i);
                        assertEquals(null, answeredBy.put(img.id(), model.version()), "one answer per event");
                        acc[0] += top1[i] == img.label() ? 1 : 0;
                        acc[1]++;
                        send(producer, catalog, img);
                    }
                }
            }
        }
        // Then every event has exactly one answer, versions only move forward, and accuracy rose
        assertEquals(stream.size(), answeredBy.size());
        List<String> versions = new ArrayList<>(answeredBy.values());
        for (int i = 1; i < versions.size(); i++) {
            assertTrue(versions.get(i).compareTo(versions.get(i - 1)) >= 0, "swap point is monotonic");
        }
        double before = (double) accuracy.get("v1")[0] / accuracy.get("v1")[1];
        double after = (double) accuracy.get("v2")[0] / accuracy.get("v2")[1];
        System.out.printf("closed loop: v1 accuracy %.4f on %d events, v2 accuracy %.4f on %d events%n", before,
                accuracy.get("v1")[1], after, accuracy.get("v2")[1]);
        assertTrue(before <= 0.5, "v1 knows half the classes: " + before);
        assertTrue(after >= 0.8, "after fine-tuning on feedback: " + after);
    }

    private static void send(Producer<byte[], byte[]> producer, TopicCatalog catalog, LabeledImage img) {
        ImageEvent event = ImageEvent.newBuilder().setImageId(img.id()).setData(ByteString.copyFrom(img.toPng()))
                .setContentType("image/png").setWidth(28).setHeight(28).setChannels(1).setLabel(img.label())
                .setIngestedAtMs(System.currentTimeMillis()).build();
        producer.send(new ProducerRecord<>(catalog.images().name(), catalog.images().serializeKey(img.id()),
                catalog.images().serializeValue(event)));
        producer.send(new ProducerRecord<>(catalog.labels().name(), catalog.labels().serializeKey(img.id()),
                catalog.labels().serializeValue(Label.newBuilder().setImageId(img.id()).setLabel(img.label())
                        .setSource("replay").build())));
    }
}
