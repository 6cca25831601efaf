package dev.glimpse.registry.announce;

import dev.glimpse.contracts.Topic;
import dev.glimpse.contracts.events.ModelAnnouncement;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;

/** Announces on the compacted {@code models} topic, keyed by {@link ModelAnnouncer#key}. */
public final class KafkaModelAnnouncer implements ModelAnnouncer, AutoCloseable {
    private final Producer<String, ModelAnnouncement> producer;
    private final Topic<String, ModelAnnouncement> topic;

    public KafkaModelAnnouncer(Producer<String, ModelAnnouncement> producer, Topic<String, ModelAnnouncement> topic) {
        this.producer = producer;
        this.topic = topic;
    }

    @Override
    public void announce(ModelAnnouncement a) {
        try {
            producer.send(new ProducerRecord<>(topic.name(), ModelAnnouncer.key(a.getModelName(), a.getVersion()), a))
                    .get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while announcing " + a.getModelName() + "/" + a.getVersion(), e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("could not announce " + a.getModelName() + "/" + a.getVersion() + " on "
                    + topic.name() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        producer.close();
    }
}
