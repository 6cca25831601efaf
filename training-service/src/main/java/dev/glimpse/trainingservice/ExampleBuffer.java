package dev.glimpse.trainingservice;

import dev.glimpse.datasets.LabeledImage;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Bounded memory of labeled examples: the latest {@code maxPerClass} of each class, kept separately for the train
 * and the holdout split (so the holdout never shrinks because training data grew). A relabeled image replaces its
 * earlier example. Remembers, per topic-partition, the offset range of the examples it holds (model lineage).
 * Thread-safe.
 */
public final class ExampleBuffer {

    /** What a training run works on: copies, safe to use while the buffer keeps filling. */
    public record Snapshot(List<LabeledImage> train, List<LabeledImage> holdout, Map<String, String> dataOffsets) {
    }

    private record Entry(LabeledImage image, String topicPartition, long offset) {
    }

    private final int maxPerClass;
    private final int maxHoldoutPerClass;
    private final Map<Integer, LinkedHashMap<String, Entry>> train = new HashMap<>();
    private final Map<Integer, LinkedHashMap<String, Entry>> holdout = new HashMap<>();
    /** image id -> (holdout?, class) of its current entry, to replace relabeled images */
    private final Map<String, int[]> index = new HashMap<>();

    public ExampleBuffer(int maxPerClass, int maxHoldoutPerClass) {
        if (maxPerClass < 1 || maxHoldoutPerClass < 1) {
            throw new IllegalArgumentException("per-class limits must be >= 1, got train " + maxPerClass + ", holdout "
                    + maxHoldoutPerClass);
        }
        this.maxPerClass = maxPerClass;
        this.maxHoldoutPerClass = maxHoldoutPerClass;
    }

    public synchronized void add(LabeledImage image, boolean isHoldout, String topicPartition, long offset) {
        int[] previous = index.remove(image.id());
        if (previous != null) {
            (previous[0] == 1 ? holdout : train).get(previous[1]).remove(image.id());
        }
        Map<Integer, LinkedHashMap<String, Entry>> side = isHoldout ? holdout : train;
        LinkedHashMap<String, Entry> perClass = side.computeIfAbsent(image.label(), c -> new LinkedHashMap<>());
        perClass.put(image.id(), new Entry(image, topicPartition, offset));
        index.put(image.id(), new int[] {isHoldout ? 1 : 0, image.label()});
        int limit = isHoldout ? maxHoldoutPerClass : maxPerClass;
        Iterator<Map.Entry<String, Entry>> it = perClass.entrySet().iterator();
        while (perClass.size() > limit && it.hasNext()) {
            String evicted = it.next().getKey();
            it.remove();
            index.remove(evicted);
        }
    }

    public synchronized Snapshot snapshot() {
        Map<String, long[]> ranges = new TreeMap<>();
        List<LabeledImage> t = collect(train, ranges);
        List<LabeledImage> h = collect(holdout, ranges);
        Map<String, String> offsets = new TreeMap<>();
        ranges.forEach((tp, r) -> offsets.put(tp, r[0] + "-" + r[1]));
        return new Snapshot(t, h, offsets);
    }

    public synchronized int trainSize() {
        return train.values().stream().mapToInt(Map::size).sum();
    }

    public synchronized int holdoutSize() {
        return holdout.values().stream().mapToInt(Map::size).sum();
    }

    private static List<LabeledImage> collect(Map<Integer, LinkedHashMap<String, Entry>> side, Map<String, long[]> ranges) {
        List<LabeledImage> out = new ArrayList<>();
        for (Integer c : new TreeMap<>(side).keySet()) {
            for (Entry e : side.get(c).values()) {
                out.add(e.image());
                if (e.topicPartition() != null) {
                    long[] r = ranges.computeIfAbsent(e.topicPartition(), k -> new long[] {Long.MAX_VALUE, Long.MIN_VALUE});
                    r[0] = Math.min(r[0], e.offset());
                    r[1] = Math.max(r[1], e.offset());
                }
            }
        }
        return out;
    }
}
