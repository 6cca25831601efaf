package dev.glimpse.ingest.results;

import dev.glimpse.contracts.TopicCatalog;
import dev.glimpse.contracts.events.PredictionResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.StreamsMetadata;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * Interactive queries over {@link ResultsTopology}'s store: one Kafka Streams instance per ingest instance, all in
 * one application, each owning some partitions. {@link #lookup} answers for an image id from the local store or
 * names the owning instance (its {@code application.server}, the ingest HTTP address) from the Streams metadata;
 * {@link #recentLocal} pages through the local partitions in time order.
 */
public final class PredictionResults implements AutoCloseable {

    /**
     * One page of results in first-seen order; {@code next} is the {@code since} of the following page, or -1 (a
     * result first seen in the same millisecond as the last of this page can appear on both pages).
     */
    public record Page(List<PredictionResult> results, long next) {
    }

    /** The largest first-seen time a page can ask for (13 digits: the year 2286). */
    private static final long MAX_TIME = 9_999_999_999_999L;

    private final KafkaStreams streams;
    private final HostInfo self;

    /**
     * @param properties Streams properties (application id, bootstrap servers, state dir...); their
     *                   {@code application.server} must be this instance's HTTP {@code host:port}
     */
    public PredictionResults(Properties properties, TopicCatalog catalog, Duration retention) {
        String server = properties.getProperty(StreamsConfig.APPLICATION_SERVER_CONFIG);
        if (server == null || !server.contains(":")) {
            throw new IllegalArgumentException("application.server must be this instance's host:port, got '" + server + "'");
        }
        this.self = HostInfo.buildFromEndpoint(server);
        StreamsBuilder builder = new StreamsBuilder();
        ResultsTopology.createResultsTopology(builder, catalog, retention);
        this.streams = new KafkaStreams(builder.build(properties), properties);
    }

    public void start() {
        streams.start();
    }

    public HostInfo self() {
        return self;
    }

    public KafkaStreams.State state() {
        return streams.state();
    }

    /** Waits until the instance is RUNNING (its stores restored); false when the timeout passed first. */
    public boolean awaitRunning(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (streams.state() == KafkaStreams.State.RUNNING) {
                return true;
            }
            Thread.sleep(50);
        }
        return false;
    }

    public ResultLookup lookup(String imageId) {
        KeyQueryMetadata meta;
        try {
            meta = streams.queryMetadataForKey(ResultsTopology.STORE, imageId, Serdes.String().serializer());
        } catch (IllegalStateException e) {
            return new ResultLookup.Unavailable("results store not running: " + e.getMessage());
        }
        if (meta == null || meta == KeyQueryMetadata.NOT_AVAILABLE) {
            return new ResultLookup.Unavailable("results store is rebalancing");
        }
        if (!meta.activeHost().equals(self)) {
            return new ResultLookup.Elsewhere(meta.activeHost());
        }
        return lookupLocal(imageId);
    }

    /** The local store's answer, without routing (what an owner answers to a forwarded request). */
    public ResultLookup lookupLocal(String imageId) {
        PredictionResult r;
        try {
            r = store().get(imageId);
        } catch (InvalidStateStoreException e) {
            return new ResultLookup.Unavailable("results store is rebalancing: " + e.getMessage());
        }
        if (r == null) {
            return new ResultLookup.Unknown(imageId);
        }
        return r.hasPrediction() ? new ResultLookup.Found(r) : new ResultLookup.Pending(imageId);
    }

    /** Predicted results of the local partitions first seen at or after {@code sinceMs}, oldest first, at most {@code limit}. */
    public Page recentLocal(long sinceMs, int limit) {
        List<PredictionResult> out = new ArrayList<>();
        ReadOnlyKeyValueStore<String, PredictionResult> results = store();
        ReadOnlyKeyValueStore<String, String> byTime = streams.store(StoreQueryParameters.fromNameAndType(
                ResultsTopology.BY_TIME, QueryableStoreTypes.keyValueStore()));
        // The local store is one store per partition, and a range over them is their ranges one after the other,
        // not merged: keep the smallest keys across all of them. Pending entries (no prediction yet) are skipped.
        TreeMap<String, PredictionResult> smallest = new TreeMap<>();
        try (KeyValueIterator<String, String> it = byTime.range(ResultsProcessor.timeKey(sinceMs, ""),
                ResultsProcessor.timeKey(MAX_TIME, ""))) {
            while (it.hasNext()) {
                var kv = it.next();
                if (smallest.size() > limit && kv.key.compareTo(smallest.lastKey()) >= 0) {
                    continue;
                }
                PredictionResult r = results.get(kv.value);
                if (r == null || !r.hasPrediction()) {
                    continue;
                }
                smallest.put(kv.key, r);
                if (smallest.size() > limit + 1) {
                    smallest.pollLastEntry();
                }
            }
        }
        long next = -1;
        for (PredictionResult r : smallest.values()) {
            if (out.size() == limit) {
                next = r.getAcceptedAtMs();
                break;
            }
            out.add(r);
        }
        return new Page(out, next);
    }

    /** Every other instance of the application (for paging across all partitions). */
    public List<HostInfo> otherInstances() {
        List<HostInfo> hosts = new ArrayList<>();
        for (StreamsMetadata m : streams.metadataForAllStreamsClients()) {
            if (!m.hostInfo().equals(self)) {
                hosts.add(m.hostInfo());
            }
        }
        return hosts;
    }

    private ReadOnlyKeyValueStore<String, PredictionResult> store() {
        return streams.store(StoreQueryParameters.fromNameAndType(ResultsTopology.STORE, QueryableStoreTypes.keyValueStore()));
    }

    @Override
    public void close() {
        streams.close(Duration.ofSeconds(10));
    }
}
