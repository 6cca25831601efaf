package dev.glimpse.ingest.results;

import dev.glimpse.contracts.events.Explanation;
import dev.glimpse.contracts.events.PredictionResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Folds each event of an image into its {@link PredictionResult}: the first event indexes the image by time, a
 * prediction replaces an older one (a newer model version), an explanation replaces the one of the same (model
 * version, method) or is added, a label replaces the previous label. A wall-clock punctuation drops entries first
 * seen more than the retention ago.
 */
final class ResultsProcessor implements Processor<String, PredictionResult, Void, Void> {

    private final Duration retention;
    private KeyValueStore<String, PredictionResult> results;
    private KeyValueStore<String, String> byTime;

    ResultsProcessor(Duration retention) {
        this.retention = retention;
    }

    @Override
    public void init(ProcessorContext<Void, Void> context) {
        results = context.getStateStore(ResultsTopology.STORE);
        byTime = context.getStateStore(ResultsTopology.BY_TIME);
        Duration every = Duration.ofMillis(Math.max(1000, Math.min(60_000, retention.toMillis() / 10)));
        context.schedule(every, PunctuationType.WALL_CLOCK_TIME, this::expire);
    }

    @Override
    public void process(Record<String, PredictionResult> record) {
        String id = record.key();
        PredictionResult update = record.value();
        PredictionResult old = results.get(id);
        PredictionResult.Builder b;
        if (old == null) {
            long firstSeen = update.getAcceptedAtMs() > 0 ? update.getAcceptedAtMs() : record.timestamp();
            b = PredictionResult.newBuilder().setImageId(id).setAcceptedAtMs(firstSeen);
            byTime.put(timeKey(firstSeen, id), id);
        } else {
            b = old.toBuilder();
        }
        if (update.hasPrediction() && (!b.hasPrediction()
                || update.getPrediction().getPredictedAtMs() >= b.getPrediction().getPredictedAtMs())) {
            b.setPrediction(update.getPrediction());
        }
        for (Explanation e : update.getExplanationsList()) {
            merge(b, e);
        }
        if (update.getHasLabel()) {
            b.setHasLabel(true).setLabel(update.getLabel());
        }
        results.put(id, b.setUpdatedAtMs(record.timestamp()).build());
    }

    private static void merge(PredictionResult.Builder b, Explanation e) {
        for (int i = 0; i < b.getExplanationsCount(); i++) {
            Explanation have = b.getExplanations(i);
            if (have.getModelName().equals(e.getModelName()) && have.getModelVersion().equals(e.getModelVersion())
                    && method(have).equals(method(e))) {
                b.setExplanations(i, e);
                return;
            }
        }
        b.addExplanations(e);
    }

    private static String method(Explanation e) {
        return e.getArtifactsCount() == 0 ? "" : e.getArtifacts(0).getMethod();
    }

    private void expire(long now) {
        long cutoff = now - retention.toMillis();
        List<KeyValue<String, String>> old = new ArrayList<>();
        try (KeyValueIterator<String, String> it = byTime.range(timeKey(0, ""), timeKey(cutoff, ""))) {
            it.forEachRemaining(old::add);
        }
        for (KeyValue<String, String> kv : old) {
            byTime.delete(kv.key);
            results.delete(kv.value);
        }
    }

    /** Sorts by time as text: 13 digits cover every millisecond timestamp until the year 2286. */
    static String timeKey(long ms, String id) {
        return String.format(Locale.ROOT, "%013d/%s", Math.max(0, ms), id);
    }
}
