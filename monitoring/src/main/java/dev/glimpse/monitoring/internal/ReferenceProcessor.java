package dev.glimpse.monitoring.internal;

import dev.glimpse.contracts.events.DriftReport;
import dev.glimpse.monitoring.DriftEvaluator;
import dev.glimpse.monitoring.DriftListener;
import dev.glimpse.monitoring.MonitoringConfig;
import dev.glimpse.monitoring.ReferenceLookup;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Receives each closed window of a model version, keeps (or builds) the version's reference, evaluates the
 * window against it and forwards the reports keyed by model name.
 */
public final class ReferenceProcessor implements Processor<WindowKey, WindowSample, String, DriftReport> {

    /** The state store holding each model version's reference sample. */
    public static final String STORE = "monitoring-references";

    private final MonitoringConfig config;
    private final ReferenceLookup references;
    private final DriftListener listener;
    private final DriftEvaluator evaluator;
    private ProcessorContext<String, DriftReport> context;
    private KeyValueStore<String, ReferenceState> store;

    public ReferenceProcessor(MonitoringConfig config, ReferenceLookup references, DriftListener listener) {
        this.config = config;
        this.references = references;
        this.listener = listener;
        this.evaluator = new DriftEvaluator(config);
    }

    @Override
    public void init(ProcessorContext<String, DriftReport> context) {
        this.context = context;
        this.store = context.getStateStore(STORE);
    }

    @Override
    public void process(Record<WindowKey, WindowSample> record) {
        if (record.value() == null) {
            return;
        }
        String versionKey = record.key().versionKey();
        int at = versionKey.indexOf('@');
        String modelName = versionKey.substring(0, at);
        String modelVersion = versionKey.substring(at + 1);
        long start = record.key().startMs();
        long end = record.key().endMs();
        DriftEvaluator.WindowId id = new DriftEvaluator.WindowId(modelName, modelVersion, start, end);
        WindowSample window = record.value();

        ReferenceState state = store.get(versionKey);
        if (state == null) {
            Optional<WindowSample> recorded = references.find(modelName, modelVersion);
            state = recorded.map(s -> new ReferenceState(s, 0, Long.MIN_VALUE, true, true))
                    .orElseGet(() -> new ReferenceState(emptySample(), 0, Long.MIN_VALUE, false, false));
        }

        List<DriftReport> reports;
        boolean ready = state.complete();
        if (ready) {
            reports = evaluator.evaluate(id, window, state.sample());
            if (state.fromMetadata() && state.windowsTaken() < config.referenceWindows() && start >= state.lastEndMs()
                    && window.hasEmbeddings()) {
                // A recorded reference has no embeddings: the first windows supply the embedding reference.
                state = new ReferenceState(state.sample().mergeEmbeddings(window), state.windowsTaken() + 1, end,
                        true, true);
            }
        } else {
            reports = evaluator.withoutReference(id, window);
            if (start >= state.lastEndMs() && window.predictions() > 0) {
                int taken = state.windowsTaken() + 1;
                state = new ReferenceState(state.sample().merge(window), taken, end,
                        taken >= config.referenceWindows(), false);
            }
        }
        store.put(versionKey, state);
        listener.onWindow(id, window, ready, reports);
        for (DriftReport report : reports) {
            context.forward(new Record<>(modelName, report, end));
        }
    }

    private WindowSample emptySample() {
        // The reference keeps referenceWindows times the per-window budget, so it is not noisier than the window.
        int factor = config.referenceWindows();
        return new WindowSample(config.sampleSize() * factor, config.embeddingSampleSize() * factor, config.seed() + 7);
    }
}
