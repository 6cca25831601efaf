package dev.glimpse.launcher;

import dev.glimpse.contracts.TopicCatalog;
import dev.glimpse.contracts.events.ImageEvent;
import dev.glimpse.contracts.events.Label;
import dev.glimpse.contracts.events.Prediction;
import dev.glimpse.inference.InferenceWorker;
import dev.glimpse.trainingservice.TrainingService;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.awaitility.Awaitility;

/** The closed-loop tests' feedback stream: images with their labels, as the ingest replay sends them. */
final class FeedbackReplay {

    private FeedbackReplay() {
    }

    /** Events [from, to), each with its label as feedback. */
    static void replay(Producer<byte[], byte[]> producer, TopicCatalog catalog, List<ImageEvent> images, int from, int to) {
        for (int i = from; i < to; i++) {
            ImageEvent event = images.get(i).toBuilder().setIngestedAtMs(System.currentTimeMillis()).build();
            String id = event.getImageId();
            producer.send(new ProducerRecord<>(catalog.images().name(), catalog.images().serializeKey(id),
                    catalog.images().serializeValue(event)));
            producer.send(new ProducerRecord<>(catalog.labels().name(), catalog.labels().serializeKey(id),
                    catalog.labels().serializeValue(Label.newBuilder().setImageId(id).setLabel(event.getLabel())
                            .setSource("replay").build())));
        }
        producer.flush();
    }

    /** 3 for "v3". */
    static int versionNumber(String version) {
        return Integer.parseInt(version.replaceAll("\\D", ""));
    }

    /** Waits for the training service's first outcome; the promoted version ("v2"), or "vnone" when none was promoted. */
    static String awaitPromotion(TrainingService training) {
        Awaitility.await().atMost(Duration.ofSeconds(240)).pollInterval(Duration.ofMillis(200))
                .until(() -> !training.outcomes().isEmpty());
        return "v" + training.outcomes().stream().filter(o -> o.outcome().equals("promoted"))
                .map(o -> o.version()).findFirst().map(v -> v.replaceAll("\\D", "")).orElse("none");
    }

    /**
     * The worker switches between batches: sends probe images (real events too, from {@code probesFrom} on) until one
     * is answered by {@code promoted}, for at most a minute.
     *
     * @return the number of probe events sent
     */
    static int probeUntilServing(InferenceWorker worker, String promoted, Producer<byte[], byte[]> producer, TopicCatalog catalog,
                                 List<ImageEvent> images, int probesFrom) throws InterruptedException {
        int probes = 0;
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (versionNumber(worker.servingVersion()) != versionNumber(promoted) && System.nanoTime() < deadline) {
            replay(producer, catalog, images, probesFrom + probes, probesFrom + probes + 1);
            probes++;
            Thread.sleep(250);
        }
        return probes;
    }

    /** The predictions by image id; fails when an image was predicted twice. */
    static Map<String, Prediction> onePerImage(List<ConsumerRecord<String, Prediction>> records) {
        Map<String, Prediction> byImage = new HashMap<>();
        for (ConsumerRecord<String, Prediction> r : records) {
            Prediction p = r.value();
            if (byImage.put(p.getImageId(), p) != null) {
                throw new AssertionError("one prediction per image: " + p.getImageId() + " was predicted twice");
            }
        }
        return byImage;
    }
}
