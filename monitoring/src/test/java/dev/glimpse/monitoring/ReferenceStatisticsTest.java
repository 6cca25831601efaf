package dev.glimpse.monitoring;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.glimpse.contracts.events.Prediction;
import dev.glimpse.monitoring.drift.ImageStatistics;
import dev.glimpse.monitoring.drift.KolmogorovSmirnov;
import dev.glimpse.monitoring.internal.Observation;
import dev.glimpse.monitoring.internal.MonitoringSerdes;
import dev.glimpse.monitoring.internal.WindowSample;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReferenceStatisticsTest {

    private final MonitoringConfig config = MonitoringConfig.defaults();

    @Test
    void shouldRoundTripClassFractionsAccuracyAndConfidenceQuantilesThroughModelMetrics() {
        // Given a sample of 2000 predictions
        WindowSample sample = sample(2000, 5);
        // When it is written as flat metrics and read back
        Map<String, Double> metrics = ReferenceStatistics.toMetrics(sample);
        WindowSample back = ReferenceStatistics.fromMetrics(metrics, config).orElseThrow();
        // Then counts and accuracy survive exactly, and the 101 percentiles stand in for the confidences
        assertArrayEquals(sample.classCounts(), back.classCounts());
        assertEquals(sample.accuracy(), back.accuracy(), 1e-3);
        assertEquals(101, back.confidences().length);
        assertTrue(KolmogorovSmirnov.statistic(sample.confidences(), back.confidences()) < 0.02);
        assertEquals(101, back.brightness().length);
    }

    @Test
    void shouldFindNoReferenceWithoutReferenceEvents() {
        assertFalse(ReferenceStatistics.fromMetrics(Map.of("accuracy", 0.9), config).isPresent());
    }

    @Test
    void shouldReadReferenceStatisticsFromModelJsonAndNeverOutsideTheStore(@TempDir Path store) throws Exception {
        Path version = Files.createDirectories(store.resolve("fashion").resolve("v7"));
        Map<String, Object> manifest = Map.of("name", "fashion", "version", "v7",
                "metrics", ReferenceStatistics.toMetrics(sample(500, 9)));
        new ObjectMapper().writeValue(version.resolve("model.json").toFile(), manifest);
        ModelStoreReferenceLookup lookup = new ModelStoreReferenceLookup(store, config);

        assertEquals(500, lookup.find("fashion", "v7").orElseThrow().predictions());
        assertFalse(lookup.find("fashion", "v8").isPresent(), "no model.json");
        assertFalse(lookup.find("..", "..").isPresent(), "path outside the store");
    }

    @Test
    void shouldSerialiseAWindowSampleWithItsReservoirState() {
        WindowSample sample = sample(3000, 2);
        var serde = MonitoringSerdes.windowSample();
        WindowSample copy = serde.deserializer().deserialize("t", serde.serializer().serialize("t", sample));
        // Same content, and the same reservoir decisions for the next offers
        assertArrayEquals(sample.classCounts(), copy.classCounts());
        assertArrayEquals(sample.confidences(), copy.confidences());
        Prediction next = Predictions.of("n", "v1", 3, 0.123, new float[] {1, 2, 3, 4}, 3);
        for (int i = 0; i < 500; i++) {
            sample.add(Observation.prediction(next));
            copy.add(Observation.prediction(next));
        }
        assertArrayEquals(sample.confidences(), copy.confidences());
        assertEquals(sample.embeddings().length, copy.embeddings().length);
    }

    private WindowSample sample(int n, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        WindowSample s = new WindowSample(config.sampleSize(), config.embeddingSampleSize(), seed);
        for (int i = 0; i < n; i++) {
            int label = random.nextInt(10);
            int predicted = random.nextDouble() < 0.8 ? label : random.nextInt(10);
            Prediction p = Predictions.of("i" + i, "v1", predicted, 0.5 + 0.5 * random.nextDouble(),
                    new float[] {(float) random.nextDouble(), (float) random.nextDouble(), 0, 1}, label);
            s.add(Observation.prediction(p));
            s.add(Observation.input(p, new ImageStatistics(random.nextDouble(), random.nextDouble() / 4)));
        }
        return s;
    }
}
