package dev.glimpse.contracts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.serialization.Serdes;
import org.junit.jupiter.api.Test;

class TopicCatalogTest {

    @Test
    void shouldListEveryTopicWithPlainNamesByDefault() {
        Set<String> names = TopicCatalog.defaults().all().stream().map(Topic::name).collect(Collectors.toSet());

        assertEquals(Set.of("images", "predictions", "predictions-shadow", "explanations", "labels", "models",
                "deadletter", "drift", "training-examples", "ingest-state"), names);
    }

    @Test
    void shouldPrefixEveryTopicWhenAPrefixIsGiven() {
        TopicCatalog catalog = new TopicCatalog("t42.", 2);

        assertTrue(catalog.all().stream().allMatch(t -> t.name().startsWith("t42.")));
        assertEquals(2, catalog.images().partitions());
        assertEquals("t42.predictions-shadow", catalog.predictionsShadow().name());
    }

    @Test
    void shouldCompactOnlyTheModelsAndIngestStateTopics() {
        TopicCatalog catalog = TopicCatalog.defaults();

        List<String> compacted = catalog.all().stream().filter(Topic::isCompacted).map(Topic::name).toList();

        // the latest announcement per model version, the latest position per ingest source
        assertEquals(List.of("models", "ingest-state"), compacted);
        NewTopic request = catalog.models().newTopic((short) 1);
        assertEquals("compact", request.configs().get("cleanup.policy"));
        assertEquals(1, request.numPartitions());
        assertEquals(1, request.replicationFactor());
    }

    @Test
    void shouldKeepImagesPredictionsAndLabelsCoPartitioned() {
        // Same partition count + same key serde = the default partitioner puts one image's events together.
        TopicCatalog catalog = new TopicCatalog("", 6);

        assertEquals(catalog.images().partitions(), catalog.predictions().partitions());
        assertEquals(catalog.images().partitions(), catalog.labels().partitions());
        assertEquals(catalog.images().partitions(), catalog.trainingExamples().partitions());
    }

    @Test
    void shouldBeImmutable() {
        Map<String, String> config = new HashMap<>(Map.of("retention.ms", "1000"));
        Topic<String, String> topic = new Topic<>("x", Serdes.String(), Serdes.String(), 1, config);

        config.put("retention.ms", "5");

        assertEquals("1000", topic.config().get("retention.ms"));
        assertThrows(UnsupportedOperationException.class, () -> topic.config().put("a", "b"));
        assertFalse(topic.isCompacted());
    }

    @Test
    void shouldRejectIllegalNamesAndPartitions() {
        IllegalArgumentException badName = assertThrows(IllegalArgumentException.class,
                () -> new Topic<>("bad name", Serdes.String(), Serdes.String(), 1, Map.of()));
        assertTrue(badName.getMessage().contains("'bad name'"));
        IllegalArgumentException badPartitions = assertThrows(IllegalArgumentException.class,
                () -> new Topic<>("ok", Serdes.String(), Serdes.String(), 0, Map.of()));
        assertTrue(badPartitions.getMessage().contains("got 0"));
    }
}
