package dev.glimpse.launcher;

import dev.glimpse.contracts.TopicCatalog;
import dev.glimpse.contracts.events.ImageEvent;
import dev.glimpse.contracts.events.Label;
import java.util.List;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;

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
}
