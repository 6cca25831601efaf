package dev.glimpse.console;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

/**
 * Throughput and latency of the pipeline as the console reads it, in buckets of {@code bucketMs} of event time:
 * predictions per second with their end-to-end latency (ingest to prediction produced, from the prediction's
 * timings; p50 and p99 of the bucket) and explanations per second. The last {@code buckets} buckets are kept.
 */
final class PipelineRates {

    private static final class Bucket {
        long predictions;
        long explanations;
        int[] latencies = new int[64];
        int n;

        void latency(long ms) {
            if (n == latencies.length) {
                latencies = Arrays.copyOf(latencies, n * 2);
            }
            latencies[n++] = (int) Math.min(Integer.MAX_VALUE, Math.max(0, ms));
        }
    }

    private final long bucketMs;
    private final int buckets;
    private final TreeMap<Long, Bucket> series = new TreeMap<>();

    PipelineRates(long bucketMs, int buckets) {
        this.bucketMs = bucketMs;
        this.buckets = buckets;
    }

    synchronized void prediction(long atMs, long latencyMs) {
        Bucket b = bucket(atMs);
        if (b != null) {
            b.predictions++;
            if (latencyMs >= 0) {
                b.latency(latencyMs);
            }
        }
    }

    synchronized void explanation(long atMs) {
        Bucket b = bucket(atMs);
        if (b != null) {
            b.explanations++;
        }
    }

    private Bucket bucket(long atMs) {
        long start = atMs - Math.floorMod(atMs, bucketMs);
        if (!series.isEmpty() && start < series.lastKey() - (buckets - 1) * bucketMs) {
            return null; // older than the kept span
        }
        Bucket b = series.computeIfAbsent(start, k -> new Bucket());
        while (series.size() > buckets) {
            series.pollFirstEntry();
        }
        return series.get(start);
    }

    /** {@code {bucketMs, t: [s], predictionsPerS, explanationsPerS, p50Ms, p99Ms}} as parallel arrays (uPlot's form). */
    synchronized ObjectNode toJson(ObjectMapper json) {
        ObjectNode o = json.createObjectNode();
        o.put("bucketMs", bucketMs);
        ArrayNode t = o.putArray("t");
        ArrayNode pred = o.putArray("predictionsPerS");
        ArrayNode expl = o.putArray("explanationsPerS");
        ArrayNode p50 = o.putArray("p50Ms");
        ArrayNode p99 = o.putArray("p99Ms");
        double seconds = bucketMs / 1000.0;
        for (Map.Entry<Long, Bucket> e : series.entrySet()) {
            Bucket b = e.getValue();
            t.add(e.getKey() / 1000);
            pred.add(b.predictions / seconds);
            expl.add(b.explanations / seconds);
            if (b.n == 0) {
                p50.addNull();
                p99.addNull();
            } else {
                int[] sorted = Arrays.copyOf(b.latencies, b.n);
                Arrays.sort(sorted);
                p50.add(quantile(sorted, 0.50));
                p99.add(quantile(sorted, 0.99));
            }
        }
        return o;
    }

    /** The nearest-rank quantile of sorted values. */
    static int quantile(int[] sorted, double q) {
        int rank = (int) Math.ceil(q * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }
}
