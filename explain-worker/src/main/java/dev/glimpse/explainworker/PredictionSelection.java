package dev.glimpse.explainworker;

import dev.glimpse.contracts.TopicCatalog;
import dev.glimpse.contracts.events.DeadLetter;
import dev.glimpse.contracts.events.ImageEvent;
import dev.glimpse.contracts.events.Prediction;
import dev.glimpse.explainworker.load.ExplainBudget;
import dev.glimpse.explainworker.load.LoadLimits;
import dev.glimpse.explainworker.policy.ExplanationPolicy;
import dev.glimpse.explainworker.policy.SampleRate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * Reads the predictions of one poll and says which to explain: the policy selects, the budget may lower the random
 * sample, a prediction older than {@code explain.max.age.ms} is skipped, each selected one waits for its image, and
 * selection stops at {@code explain.batch.max} (the rest of the poll is left for the next one).
 */
final class PredictionSelection {

    /** A selected prediction older than {@code explain.max.age.ms} when reached. */
    static final String SKIP_MAX_AGE = "max-age";
    /** A prediction the sample term chose but the budget's lowered sample rate did not. */
    static final String SKIP_OVER_CAPACITY = "over-capacity";

    /**
     * What one poll gave.
     *
     * @param offsets      the next offset to commit per partition (records read up to the last one consumed)
     * @param firstOffsets the first offset of the poll per partition (to seek back to after an abort)
     * @param full         whether selection stopped at the batch maximum with records left over
     * @param oldestMs     the timestamp of the oldest record consumed, or {@link Long#MAX_VALUE} for none
     */
    record Selected(List<ExplainItem> items, int selected, Map<String, Long> skips, List<DeadLetter> deadLetters,
                    Map<TopicPartition, OffsetAndMetadata> offsets, Map<TopicPartition, Long> firstOffsets,
                    boolean full, long oldestMs) {
    }

    private final ExplainWorkerConfig config;
    private final TopicCatalog catalog;
    private final ExplanationPolicy policy;
    private final double configuredSampleRate;
    private final ExplainBudget budget;
    private final LoadLimits limits;
    private final RecentEvents recent;
    private final DeadLetters deadLetters;

    PredictionSelection(ExplainWorkerConfig config, ExplanationPolicy policy, ExplainBudget budget, RecentEvents recent,
                        DeadLetters deadLetters) {
        this.config = config;
        this.catalog = config.catalog();
        this.policy = policy;
        this.configuredSampleRate = policy.sampleRate();
        this.budget = budget;
        this.limits = config.load();
        this.recent = recent;
        this.deadLetters = deadLetters;
    }

    /** @param deadline when the image waits of this poll end (epoch ms) */
    Selected select(ConsumerRecords<byte[], byte[]> records, long deadline) throws InterruptedException {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        Map<TopicPartition, Long> firstOffsets = new HashMap<>();
        List<ExplainItem> items = new ArrayList<>();
        Map<String, Long> skips = new TreeMap<>();
        List<DeadLetter> letters = new ArrayList<>();
        int selected = 0;
        long now = System.currentTimeMillis();
        long oldest = Long.MAX_VALUE;
        boolean full = false;
        for (ConsumerRecord<byte[], byte[]> r : records) {
            TopicPartition tp = new TopicPartition(r.topic(), r.partition());
            firstOffsets.putIfAbsent(tp, r.offset());
            if (full) {
                continue; // left for the next poll: the consumer is sent back to it
            }
            offsets.put(tp, new OffsetAndMetadata(r.offset() + 1));
            long ageMs = Math.max(0, now - r.timestamp());
            oldest = Math.min(oldest, r.timestamp());
            Prediction p;
            try {
                p = catalog.predictions().deserializeValue(r.value());
            } catch (RuntimeException e) {
                letters.add(deadLetters.of("malformed-event", e.getMessage(), r, ""));
                continue;
            }
            if (p == null || p.getShadow() || p.getTopKCount() == 0) {
                continue;
            }
            recent.predictions.put(p.getImageId(), p);
            budget.arrived();
            Integer label = recent.labels.get(p.getImageId());
            Optional<String> reason = policy.select(p, label == null ? ExplanationPolicy.NO_LABEL : label);
            if (reason.isEmpty()) {
                continue;
            }
            if (reason.get().equals(SampleRate.REASON)) {
                if (!budget.admitSample(SampleRate.unit(p.getImageId()), configuredSampleRate)) {
                    skips.merge(SKIP_OVER_CAPACITY, 1L, Long::sum);
                    continue;
                }
            } else {
                budget.prioritySelected();
            }
            if (limits.skipsByAge() && ageMs > limits.maxAge().toMillis()) {
                skips.merge(SKIP_MAX_AGE, 1L, Long::sum);
                continue;
            }
            selected++;
            full = selected >= config.maxBatch();
            Optional<ImageEvent> image = recent.images.await(p.getImageId(), Math.max(0, deadline - System.currentTimeMillis()));
            if (image.isEmpty()) {
                letters.add(deadLetters.of("image-unavailable", "image not seen on " + catalog.images().name()
                        + " within " + config.imageWait().toSeconds() + " s (or evicted from the cache)", r, p.getImageId()));
                continue;
            }
            for (String method : config.methods()) {
                ExplainItem item = new ExplainItem(p, image.get(), method, p.getTopK(0).getClassIndex(), reason.get());
                if (recent.published.get(item.dedupKey()) == null) {
                    items.add(item);
                }
            }
        }
        return new Selected(items, selected, skips, letters, offsets, firstOffsets, full, oldest);
    }
}
