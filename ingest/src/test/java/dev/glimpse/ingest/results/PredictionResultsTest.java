package dev.glimpse.ingest.results;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glimpse.contracts.TopicCatalog;
import dev.glimpse.contracts.events.PredictionResult;
import dev.glimpse.ingest.IngestService;
import dev.glimpse.platform.testing.KafkaBrokerExtension;
import dev.glimpse.platform.testing.KafkaTestContext;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.streams.StreamsConfig;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Two results instances of one Streams application on the embedded broker: each answers for its keys and names the other's owner. */
@ExtendWith(KafkaBrokerExtension.class)
class PredictionResultsTest {

    @TempDir
    Path dir;

    private static Properties props(KafkaTestContext kafka, TopicCatalog catalog, Path state, int port) {
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, IngestService.applicationId(catalog));
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(StreamsConfig.STATE_DIR_CONFIG, state.toString());
        p.put(StreamsConfig.APPLICATION_SERVER_CONFIG, "127.0.0.1:" + port);
        p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100);
        p.put(StreamsConfig.consumerPrefix("auto.offset.reset"), "earliest");
        return p;
    }

    @Test
    void shouldAnswerOwnKeysAndRouteOthersToTheOwningInstance(KafkaTestContext kafka) throws Exception {
        // Given 30 images, 24 of them predicted, on a 3-partition catalog
        TopicCatalog catalog = kafka.catalog();
        for (int i = 0; i < 30; i++) {
            kafka.produce(catalog.images(), "img-" + i, ResultsTopologyTest.image("img-" + i, System.currentTimeMillis()));
            if (i < 24) {
                kafka.produce(catalog.predictions(), "img-" + i, ResultsTopologyTest.prediction("img-" + i, "1", System.currentTimeMillis()));
            }
        }
        // When two instances of the results application run
        try (PredictionResults a = new PredictionResults(props(kafka, catalog, dir.resolve("a"), 1001), catalog, Duration.ofHours(1));
             PredictionResults b = new PredictionResults(props(kafka, catalog, dir.resolve("b"), 1002), catalog, Duration.ofHours(1))) {
            a.start();
            b.start();
            Awaitility.await().atMost(90, TimeUnit.SECONDS).until(() -> a.otherInstances().contains(b.self())
                    && b.otherInstances().contains(a.self()) && a.state().isRunningOrRebalancing() && allAnswered(a, b, 30, 24));

            // Then every id is answered by its owner and the other instance names that owner
            int local = 0;
            int routed = 0;
            for (int i = 0; i < 30; i++) {
                String id = "img-" + i;
                ResultLookup fromA = a.lookup(id);
                PredictionResults owner;
                if (fromA instanceof ResultLookup.Elsewhere e) {
                    assertEquals(b.self(), e.owner());
                    owner = b;
                    routed++;
                } else {
                    owner = a;
                    local++;
                    assertInstanceOf(ResultLookup.Elsewhere.class, b.lookup(id), "b must route " + id + " to a");
                }
                ResultLookup answer = owner.lookup(id);
                if (i < 24) {
                    assertEquals("dress", assertInstanceOf(ResultLookup.Found.class, answer).result().getPrediction()
                            .getTopK(0).getClassName());
                } else {
                    assertInstanceOf(ResultLookup.Pending.class, answer, id + " was accepted but not predicted");
                }
            }
            assertTrue(local > 0 && routed > 0, "keys split between the instances: " + local + " local, " + routed + " routed");
            // an id never seen is unknown at its owner
            ResultLookup unknown = a.lookup("nope");
            PredictionResults owner = unknown instanceof ResultLookup.Elsewhere ? b : a;
            assertInstanceOf(ResultLookup.Unknown.class, owner.lookup("nope"));

            // and paging the local stores of both gives every predicted image once
            Set<String> paged = new HashSet<>();
            for (PredictionResults r : new PredictionResults[] {a, b}) {
                PredictionResults.Page first = r.recentLocal(0, 5);
                first.results().forEach(x -> assertTrue(paged.add(x.getImageId()), "twice: " + x.getImageId()));
                PredictionResults.Page rest = r.recentLocal(first.next() < 0 ? 9_999_999_999_999L : first.next(), 100);
                for (PredictionResult x : rest.results()) {
                    paged.add(x.getImageId());
                }
            }
            assertEquals(24, paged.size());
        }
    }

    private static boolean allAnswered(PredictionResults a, PredictionResults b, int n, int predicted) {
        for (int i = 0; i < n; i++) {
            ResultLookup l = a.lookup("img-" + i);
            if (l instanceof ResultLookup.Elsewhere) {
                l = b.lookupLocal("img-" + i);
            }
            if (!(i < predicted ? l instanceof ResultLookup.Found : l instanceof ResultLookup.Pending)) {
                return false;
            }
        }
        return true;
    }
}
