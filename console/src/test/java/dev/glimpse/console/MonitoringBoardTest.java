package dev.glimpse.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import dev.glimpse.contracts.events.DeadLetter;
import dev.glimpse.contracts.events.DriftReport;
import dev.glimpse.contracts.events.ModelAnnouncement;
import org.junit.jupiter.api.Test;

class MonitoringBoardTest {

    private final ObjectMapper json = new ObjectMapper();
    private final PipelineRates rates = new PipelineRates(5_000, 3);
    private final MonitoringBoard board = new MonitoringBoard(rates, 100, 2);

    @Test
    void shouldGiveRatesPerSecondAndNearestRankLatencyQuantilesPerBucket() {
        // Given 10 predictions with latencies 1..10 ms in the bucket [10 s, 15 s) and 5 explanations in it
        for (int i = 1; i <= 10; i++) {
            rates.prediction(10_000 + i * 100, i);
        }
        for (int i = 0; i < 5; i++) {
            rates.explanation(14_999);
        }

        // Then the bucket says 2 predictions/s and 1 explanation/s (per 5 s), p50 = 5 ms (rank ceil(5) = 5),
        // p99 = 10 ms (rank ceil(9.9) = 10)
        JsonNode r = rates.toJson(json);
        assertEquals(10, r.path("t").get(0).asLong(), "bucket start in seconds");
        assertEquals(2.0, r.path("predictionsPerS").get(0).asDouble(), 1e-9);
        assertEquals(1.0, r.path("explanationsPerS").get(0).asDouble(), 1e-9);
        assertEquals(5, r.path("p50Ms").get(0).asInt());
        assertEquals(10, r.path("p99Ms").get(0).asInt());
    }

    @Test
    void shouldKeepOnlyTheLastBucketsAndIgnoreOlderEvents() {
        // Given events in 4 consecutive 5-s buckets with room for 3
        for (int b = 0; b < 4; b++) {
            rates.prediction(b * 5_000L, 1);
        }
        // When an event older than the kept span arrives
        rates.prediction(0, 1);

        // Then the first bucket is gone and stays gone
        JsonNode t = rates.toJson(json).path("t");
        assertEquals(3, t.size());
        assertEquals(5, t.get(0).asLong());
    }

    @Test
    void shouldGroupDriftPerStatisticAndVersionWithThresholdsAndWriteNaNAsNull() {
        // Given accuracy windows of two versions (v2 without a reference yet) and a KS test with its p-value
        board.onDrift(report("1", "accuracy", 0.9, 0.85, false).putDetails("labeled", 150).putDetails("reference_accuracy", 0.9).build());
        board.onDrift(report("2", "accuracy", 0.7, 0.85, true).build());
        board.onDrift(report("1", "confidence-ks", Double.NaN, 0.01, false).putDetails("p_value", 0.2).build());

        JsonNode s = board.toJson(json).path("statistics");
        // Then each version has its own series, with the threshold the alarm was judged against
        assertEquals(0.85, s.path("accuracy").path("m v1").get(0).path("threshold").asDouble(), 1e-12);
        assertEquals(150, s.path("accuracy").path("m v1").get(0).path("labeled").asInt());
        assertTrue(s.path("accuracy").path("m v2").get(0).path("drifted").asBoolean());
        // and an accuracy window without a reference has no threshold (the service reports 0, which cannot alarm)
        assertTrue(s.path("accuracy").path("m v2").get(0).path("threshold").isNull());
        // and a value JSON cannot carry is null, not a parse error in the browser
        assertTrue(s.path("confidence-ks").path("m v1").get(0).path("value").isNull());
        assertEquals(0.2, s.path("confidence-ks").path("m v1").get(0).path("pValue").asDouble(), 1e-12);
    }

    @Test
    void shouldCountDeadLettersByReasonAndKeepTheLatestWithoutTheirPayload() {
        // Given three dead letters, room for the latest two
        for (int i = 0; i < 3; i++) {
            board.onDeadLetter(DeadLetter.newBuilder().setReason(i == 0 ? "too-large" : "undecodable").setStage("ingest")
                    .setImageId("img-" + i).setDetail("detail " + i).setFailedAtMs(i)
                    .setOriginalValue(ByteString.copyFromUtf8("bytes")).build());
        }
        board.onModel(ModelAnnouncement.newBuilder().setModelName("m").setVersion("2").setState(ModelAnnouncement.State.ROLLED_BACK)
                .putMetrics("holdout_accuracy", 0.8).putMetrics("parent_holdout_accuracy", 0.7).build());

        JsonNode o = board.toJson(json);
        // Then every letter is counted, the latest come newest first
        assertEquals(1, o.path("deadLetters").path("byReason").path("too-large").asInt());
        assertEquals(2, o.path("deadLetters").path("byReason").path("undecodable").asInt());
        assertEquals(3, o.path("deadLetters").path("byStage").path("ingest").asInt());
        assertEquals(2, o.path("deadLetters").path("latest").size());
        assertEquals("img-2", o.path("deadLetters").path("latest").get(0).path("imageId").asText());
        // And the version timeline names the state as people read it, with both holdout scores
        JsonNode v = o.path("versions").get(0);
        assertEquals("rolled back", v.path("state").asText());
        assertEquals(0.8, v.path("holdout").asDouble(), 1e-12);
        assertEquals(0.7, v.path("parentHoldout").asDouble(), 1e-12);
    }

    private static DriftReport.Builder report(String version, String statistic, double value, double threshold, boolean drifted) {
        return DriftReport.newBuilder().setModelName("m").setModelVersion(version).setStatistic(statistic).setValue(value)
                .setThreshold(threshold).setDrifted(drifted).setWindowStartMs(0).setWindowEndMs(5_000).setEvents(150);
    }
}
