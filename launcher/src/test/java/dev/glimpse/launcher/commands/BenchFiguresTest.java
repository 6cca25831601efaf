package dev.glimpse.launcher.commands;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glimpse.contracts.events.Prediction;
import dev.glimpse.contracts.events.Timings;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The figures bench pipeline derives: latency stages from a prediction's timings, and whose CPU is Kafka's. */
class BenchFiguresTest {

    @Test
    void shouldSplitALatencyIntoStagesThatAddUpToIngestToVisible() {
        // Given an image ingested at 1000, its batch started at 1040 and ran 25 ms, sent at 1070, read at 1100
        Prediction p = Prediction.newBuilder().setImageId("a").setIngestedAtMs(1000)
                .setTimings(Timings.newBuilder().setQueueMs(40).setInferenceMs(25).setEndToEndMs(70).setBatchSize(3))
                .build();

        // When split
        LatencyBreakdown.Stages s = LatencyBreakdown.of(p, 1100);

        // Then each stage is the gap between its two moments and together they are ingest -> visible
        assertEquals(40, s.toBatchStart());
        assertEquals(25, s.inference());
        assertEquals(5, s.toSent(), "sent at 1070, inference ended at 1065");
        assertEquals(30, s.toVisible(), "read at 1100, sent at 1070");
        assertEquals(100, s.total());
        assertEquals(3, s.batchSize());
    }

    @Test
    void shouldTakeNearestRankPercentiles() {
        // Given totals 1..100 ms
        List<LatencyBreakdown.Stages> stages = new ArrayList<>();
        for (int i = 1; i <= 100; i++) {
            stages.add(new LatencyBreakdown.Stages(0, i, 0, 0, 0, 1));
        }

        // Then p50 is the 50th value and p99 the 99th (not an interpolation, not the maximum)
        assertEquals(50, LatencyBreakdown.percentile(stages, LatencyBreakdown.Stages::total, 0.5));
        assertEquals(99, LatencyBreakdown.percentile(stages, LatencyBreakdown.Stages::total, 0.99));
        assertEquals(0, LatencyBreakdown.percentile(List.of(), LatencyBreakdown.Stages::total, 0.99));
    }

    @Test
    void shouldReportTheMedianLatencyOfEachSecondOfIngest() {
        // Given a slow first second (a new worker's first batches) and a quick second one
        List<LatencyBreakdown.Stages> stages = List.of(
                new LatencyBreakdown.Stages(0, 400, 0, 0, 0, 1), new LatencyBreakdown.Stages(500, 300, 0, 0, 0, 1),
                new LatencyBreakdown.Stages(1000, 20, 0, 0, 0, 2), new LatencyBreakdown.Stages(1500, 30, 0, 0, 0, 2));

        // Then the line shows both seconds apart
        List<String> lines = LatencyBreakdown.report(stages);
        assertTrue(lines.get(2).endsWith("(ms): 300 20"), lines.get(2));
    }

    @Test
    void shouldCountTheBrokersThreadsAsBrokerAndTheClientsThreadsAsClients() {
        // the consumer's heartbeat thread starts with "kafka-" like the broker's own threads, but is a client's
        assertEquals("kafka-coordinator-heartbeat-thread | bench", ThreadCpu.group("kafka-coordinator-heartbeat-thread | bench"));
        assertEquals("kafka-producer-network-thread | bench-N", ThreadCpu.group("kafka-producer-network-thread | bench-0"));
        assertTrue(ThreadCpu.group("data-plane-kafka-request-handler-3").startsWith(ThreadCpu.BROKER + "/"));
        assertTrue(ThreadCpu.group("kafka-1-raft-io-thread").startsWith(ThreadCpu.BROKER + "/"));
        assertTrue(ThreadCpu.group("quorum-controller-1-event-handler").startsWith(ThreadCpu.BROKER + "/"));
        assertTrue(ThreadCpu.isKafka(ThreadCpu.group("kafka-coordinator-heartbeat-thread | bench")));
        assertTrue(ThreadCpu.isKafka(ThreadCpu.group("glimpse-inference-poll-bench-0")));
        assertFalse(ThreadCpu.isKafka(ThreadCpu.group("glimpse-inference-run-bench-0")));
        assertFalse(ThreadCpu.isKafka("ONNX Runtime pool threads and other native threads"));
    }

    @Test
    void shouldChargeKafkaOnlyItsOwnThreadsAndTheBrokerItsSubgroups() {
        // Given CPU snapshots before and after
        ThreadCpu before = new ThreadCpu(Map.of(ThreadCpu.BROKER + "/a", 100L, "glimpse-inference-run-bench-N", 0L));
        ThreadCpu after = new ThreadCpu(Map.of(ThreadCpu.BROKER + "/a", 400L, ThreadCpu.BROKER + "/b", 50L,
                "glimpse-inference-run-bench-N", 9000L, "glimpse-inference-commit-bench-N", 20L));

        // Then the broker's CPU is the sum of its groups' increase and Kafka's adds the commit thread, not scoring
        var used = after.since(before);
        assertEquals(350, ThreadCpu.brokerMicros(used));
        assertEquals(370, ThreadCpu.kafkaMicros(used));
    }
}
