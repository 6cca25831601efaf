package dev.glimpse.explainworker;

import dev.glimpse.contracts.TopicCatalog;
import dev.glimpse.contracts.events.DeadLetter;
import dev.glimpse.contracts.events.Explanation;
import dev.glimpse.contracts.events.ImageEvent;
import dev.glimpse.contracts.events.Prediction;
import dev.glimpse.explainworker.load.ExplainBudget;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One poll as one Kafka transaction: the selected predictions and the queued on-demand requests are explained by the
 * engine (one call per model version, method and layer), and their explanations, the dead letters and the consumer
 * offsets are committed together. An aborted transaction seeks back to the poll's first offsets and re-queues its
 * requests, so nothing accepted is lost.
 */
final class ExplainTransaction {

    private static final Logger LOG = LoggerFactory.getLogger(ExplainTransaction.class);

    private final ExplainWorkerConfig config;
    private final TopicCatalog catalog;
    private final ExplanationEngine engine;
    private final ExplainMetrics metrics;
    private final ExplainBudget budget;
    private final RecentEvents recent;
    private final PredictionSelection selection;
    private final DeadLetters deadLetters;
    private final ConsumerProgress progress;
    private final Queue<OnDemandRequest> requests;

    ExplainTransaction(ExplainWorkerConfig config, ExplanationEngine engine, ExplainMetrics metrics, ExplainBudget budget,
                       RecentEvents recent, PredictionSelection selection, DeadLetters deadLetters, ConsumerProgress progress,
                       Queue<OnDemandRequest> requests) {
        this.config = config;
        this.catalog = config.catalog();
        this.engine = engine;
        this.metrics = metrics;
        this.budget = budget;
        this.recent = recent;
        this.selection = selection;
        this.deadLetters = deadLetters;
        this.progress = progress;
        this.requests = requests;
    }

    void process(KafkaProducer<byte[], byte[]> producer, KafkaConsumer<byte[], byte[]> consumer,
                 ConsumerRecords<byte[], byte[]> records, List<OnDemandRequest> due) {
        Map<String, Explanation> produced = new HashMap<>();
        List<Explanation> toPublish = new ArrayList<>();
        Map<OnDemandRequest, List<Explanation>> answered = new LinkedHashMap<>();
        Map<OnDemandRequest, List<ExplainItem>> requestItems = new LinkedHashMap<>();
        long deadline = System.currentTimeMillis() + config.imageWait().toMillis();
        long batchStarted = System.nanoTime();
        metrics.batch(records.count());
        producer.beginTransaction();
        Map<TopicPartition, Long> firstOffsets = Map.of();
        try {
            PredictionSelection.Selected s = selection.select(records, deadline);
            firstOffsets = s.firstOffsets();
            List<ExplainItem> items = new ArrayList<>(s.items());
            List<DeadLetter> letters = new ArrayList<>(s.deadLetters());
            for (OnDemandRequest d : due) {
                List<ExplainItem> mine = itemsOf(d, answered);
                if (mine != null) {
                    requestItems.put(d, mine);
                    items.addAll(mine);
                }
            }
            progress.reached(s.oldestMs() == Long.MAX_VALUE ? 0 : Math.max(0, System.currentTimeMillis() - s.oldestMs()));
            for (List<ExplainItem> group : groupByModelAndLayer(items)) {
                long started = System.nanoTime();
                List<ExplanationEngine.Result> results = engine.explain(group);
                recordCosts(results, (System.nanoTime() - started) / 1e9);
                for (ExplanationEngine.Result res : results) {
                    if (res.succeeded()) {
                        Explanation e = res.event();
                        if (produced.putIfAbsent(res.item().dedupKey(), e) == null) {
                            producer.send(new ProducerRecord<>(catalog.explanations().name(), DeadLetters.key(e.getImageId()),
                                    e.toByteArray()));
                            toPublish.add(e);
                        }
                    } else {
                        letters.add(deadLetters.of(res.failureReason(), res.failureDetail(), null,
                                res.item().prediction().getImageId()));
                    }
                }
            }
            for (DeadLetter letter : letters) {
                producer.send(new ProducerRecord<>(catalog.deadletter().name(), DeadLetters.key(letter.getImageId()),
                        letter.toByteArray()));
            }
            if (!s.offsets().isEmpty()) {
                producer.sendOffsetsToTransaction(s.offsets(), consumer.groupMetadata());
            }
            producer.commitTransaction();
            if (s.full()) {
                // stopped at maxBatch selected: the rest of the poll comes back in the next one
                s.firstOffsets().forEach((tp, first) -> {
                    OffsetAndMetadata done = s.offsets().get(tp);
                    consumer.seek(tp, done != null ? done.offset() : first);
                });
            }
            budget.batch(s.selected(), (System.nanoTime() - batchStarted) / 1e9);
            metrics.selected(s.selected());
            s.skips().forEach(metrics::skipped);
            letters.forEach(letter -> metrics.deadLettered(letter.getReason()));
            produced.forEach(recent.published::put); // keyed by the item (with its layer when one was asked for)
            for (Explanation e : toPublish) {
                metrics.committed(e);
            }
            requestItems.forEach((d, mine) -> {
                List<Explanation> all = new ArrayList<>(answered.get(d));
                for (ExplainItem it : mine) {
                    Explanation e = produced.get(it.dedupKey());
                    if (e != null) {
                        all.add(e);
                    }
                }
                d.done().complete(all);
            });
        } catch (ProducerFencedException | InvalidProducerEpochException e) {
            throw e;
        } catch (KafkaException e) {
            LOG.warn("explain transaction aborted, will retry the batch: {}", e.toString());
            producer.abortTransaction();
            firstOffsets.forEach(consumer::seek);
            requests.addAll(due);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new WakeupException();
        }
    }

    /**
     * The items a request still needs (explanations already published for the same target answer it directly, put in
     * {@code answered}); null when its image or prediction is no longer cached, in which case the request fails.
     */
    private List<ExplainItem> itemsOf(OnDemandRequest d, Map<OnDemandRequest, List<Explanation>> answered) {
        Prediction p = recent.predictions.get(d.imageId());
        Optional<ImageEvent> image = recent.images.get(d.imageId());
        if (p == null || image.isEmpty()) {
            d.done().completeExceptionally(new IllegalArgumentException("image '" + d.imageId()
                    + "' is no longer cached; cannot explain it"));
            return null;
        }
        List<ExplainItem> mine = new ArrayList<>();
        List<Explanation> existing = new ArrayList<>();
        int target = d.target() >= 0 ? d.target() : p.getTopK(0).getClassIndex();
        for (String m : d.methods()) {
            ExplainItem item = new ExplainItem(p, image.get(), m, target, d.reason(), d.layer());
            Explanation old = recent.published.get(item.dedupKey());
            if (old != null && old.getTargetClass() == target) {
                existing.add(old);
            } else {
                mine.add(item);
            }
        }
        answered.put(d, existing);
        return mine;
    }

    /**
     * Items grouped by (model version, layer), in first-seen order: one engine call per group holds every method of the
     * micro-batch, so each image is decoded once and each method runs once for all of the group's images.
     */
    private static List<List<ExplainItem>> groupByModelAndLayer(List<ExplainItem> items) {
        Map<String, List<ExplainItem>> groups = new LinkedHashMap<>();
        for (ExplainItem it : items) {
            groups.computeIfAbsent(it.model() + "|" + it.layer(), k -> new ArrayList<>()).add(it);
        }
        return new ArrayList<>(groups.values());
    }

    /**
     * Each method's cost per item for the budget: the call's wall time shared among its methods in proportion to the
     * time their items report (method share plus scoring and storing), or to their item counts when none reports any.
     */
    private void recordCosts(List<ExplanationEngine.Result> results, double seconds) {
        Map<String, Integer> items = new LinkedHashMap<>();
        Map<String, Long> millis = new HashMap<>();
        long totalMillis = 0;
        for (ExplanationEngine.Result r : results) {
            items.merge(r.item().method(), 1, Integer::sum);
            long ms = r.succeeded() ? r.event().getTotalMs() : 0;
            millis.merge(r.item().method(), ms, Long::sum);
            totalMillis += ms;
        }
        int totalItems = results.size();
        long reported = totalMillis;
        items.forEach((method, n) -> budget.costs().record(method, n, seconds
                * (reported > 0 ? millis.get(method) / (double) reported : n / (double) totalItems)));
    }
}
