package dev.glimpse.console;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.glimpse.contracts.events.Artifact;
import dev.glimpse.contracts.events.ClassScore;
import dev.glimpse.contracts.events.Explanation;
import dev.glimpse.contracts.events.Label;
import dev.glimpse.contracts.events.Prediction;
import dev.glimpse.registry.artifacts.ArtifactId;
import dev.glimpse.registry.artifacts.InvalidArtifactIdException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * The console's view of recent predictions: one card per image (latest prediction, known label, explanation
 * artifacts by method). Two lists of at most {@code maxCards} each, oldest dropped first: the most recent
 * predictions, and the most recently <em>explained</em> ones. The second is what the default view shows: at 200
 * predictions/s the recent list turns over in a second and a half, long before the explain worker's answers arrive,
 * so an explanation finds its prediction in a bounded index of recent predictions ({@code PREDICTION_INDEX}) and
 * its card moves to the explained list. Every change is handed to a listener (the event stream) as the card's JSON.
 *
 * <p>A card's {@code pending} lists the methods still to come: those the explain worker has produced for any
 * image of the same model, on a card that already has an explanation (the worker selected it) but not yet that
 * method. The console does not know the worker's configured methods or policy, so a method no explanation of the
 * model ever carried, or a card the policy skipped, gets no placeholder.
 */
final class Gallery {

    /** Filters of the gallery page; null fields do not filter. */
    record Filter(Integer classIndex, Double belowConfidence, boolean misclassifiedOnly, String modelVersion,
                  boolean explainedOnly) {
        static Filter none() {
            return new Filter(null, null, false, null, false);
        }
    }

    /** Keeps the input of an explained card beyond the image cache; returns the URL it is served at, or null. */
    interface InputKeeper {
        String keep(String imageId);
    }

    /** Predictions remembered (without their embeddings) for explanations that arrive after their card left. */
    static final int PREDICTION_INDEX = 50_000;

    private static final class Card {
        Prediction prediction;
        int label = -1;
        String labelSource = "";
        final Map<String, Explanation> explanations = new TreeMap<>();
        long updatedAt;
        String image;
    }

    private final ObjectMapper json;
    private final int maxCards;
    private final LinkedHashMap<String, Card> cards = new LinkedHashMap<>();
    private final LinkedHashMap<String, Card> explained = new LinkedHashMap<>();
    private final LinkedHashMap<String, Prediction> index = new LinkedHashMap<>();
    private final InputKeeper keeper;
    private final Map<Integer, String> classNames = new TreeMap<>();
    private final TreeSet<String> versions = new TreeSet<>();
    private final Map<String, TreeSet<String>> methodsByModel = new TreeMap<>();
    private final Consumer<ObjectNode> listener;
    /**
     * Explanations read before their image's prediction (the console reads both topics with one consumer, and the
     * partitions of one poll come in any order): attached when the prediction arrives, oldest dropped past maxCards.
     */
    private final LinkedHashMap<String, List<Explanation>> early = new LinkedHashMap<>();

    Gallery(ObjectMapper json, int maxCards, Consumer<ObjectNode> listener) {
        this(json, maxCards, listener, id -> null);
    }

    Gallery(ObjectMapper json, int maxCards, Consumer<ObjectNode> listener, InputKeeper keeper) {
        this.json = json;
        this.maxCards = maxCards;
        this.listener = listener;
        this.keeper = keeper;
    }

    void onPrediction(Prediction p) {
        if (p.getShadow()) {
            return;
        }
        ObjectNode changed;
        synchronized (this) {
            index.remove(p.getImageId());
            index.put(p.getImageId(), p.getEmbeddingCount() == 0 ? p : p.toBuilder().clearEmbedding().build());
            trim(index, PREDICTION_INDEX);
            Card c = cards.remove(p.getImageId());
            if (c == null) {
                c = explained.get(p.getImageId());
            }
            if (c == null) {
                c = new Card();
            }
            cards.put(p.getImageId(), c); // re-insert: most recent last
            if (c.prediction != null && !c.prediction.getModelVersion().equals(p.getModelVersion())) {
                c.explanations.clear(); // a new version's prediction: the old explanations were about another model
            }
            c.prediction = p;
            List<Explanation> before = early.remove(p.getImageId());
            if (before != null) {
                for (Explanation e : before) {
                    if (e.getModelVersion().equals(p.getModelVersion())) {
                        attach(c, e);
                    }
                }
            }
            if (c.label < 0 && p.getLabel() >= 0) {
                c.label = p.getLabel();
                c.labelSource = "image";
            }
            for (ClassScore s : p.getTopKList()) {
                if (!s.getClassName().isEmpty()) {
                    classNames.put(s.getClassIndex(), s.getClassName());
                }
            }
            versions.add(p.getModelVersion());
            c.updatedAt = System.currentTimeMillis();
            trim(cards, maxCards);
            if (!c.explanations.isEmpty()) {
                markExplained(p.getImageId(), c);
            }
            changed = toJson(p.getImageId(), c);
        }
        listener.accept(changed);
    }

    void onExplanation(Explanation e) {
        ObjectNode changed;
        synchronized (this) {
            TreeSet<String> produced = methodsByModel.computeIfAbsent(e.getModelName(), k -> new TreeSet<>());
            e.getArtifactsList().forEach(a -> produced.add(a.getMethod()));
            Card c = find(e.getImageId());
            if (c == null) {
                Prediction p = index.get(e.getImageId());
                if (p != null) {
                    c = new Card(); // the card left the recent list before its explanation came
                    c.prediction = p;
                    if (p.getLabel() >= 0) {
                        c.label = p.getLabel();
                        c.labelSource = "image";
                    }
                }
            }
            if (c == null) {
                early.computeIfAbsent(e.getImageId(), k -> new ArrayList<>()).add(e);
                Iterator<String> oldest = early.keySet().iterator();
                while (early.size() > maxCards && oldest.hasNext()) {
                    oldest.next();
                    oldest.remove();
                }
                return;
            }
            if (c.prediction == null || !c.prediction.getModelVersion().equals(e.getModelVersion())) {
                return;
            }
            attach(c, e);
            markExplained(e.getImageId(), c);
            c.updatedAt = System.currentTimeMillis();
            changed = toJson(e.getImageId(), c);
        }
        listener.accept(changed);
    }

    /** Puts a card with explanations on the explained list (once; its first explanation decides its place). */
    private void markExplained(String imageId, Card c) {
        if (!explained.containsKey(imageId)) {
            explained.put(imageId, c);
            trim(explained, maxCards);
        }
        if (c.image == null) {
            c.image = keeper.keep(imageId);
        }
    }

    private Card find(String imageId) {
        Card c = cards.get(imageId);
        return c != null ? c : explained.get(imageId);
    }

    private static void trim(LinkedHashMap<String, ?> map, int max) {
        Iterator<String> it = map.keySet().iterator();
        while (map.size() > max && it.hasNext()) {
            it.next();
            it.remove();
        }
    }

    /** A method explained again at another layer (on demand) is kept next to the first as {@code method@layer}. */
    private static void attach(Card c, Explanation e) {
        for (Artifact a : e.getArtifactsList()) {
            Explanation first = c.explanations.get(a.getMethod());
            boolean sameLayer = first == null || first.getLayer().equals(e.getLayer());
            c.explanations.put(sameLayer ? a.getMethod() : a.getMethod() + "@" + e.getLayer(), e);
        }
    }

    void onLabel(Label l) {
        ObjectNode changed;
        synchronized (this) {
            Card c = find(l.getImageId());
            if (c == null) {
                return;
            }
            c.label = l.getLabel();
            c.labelSource = l.getSource();
            changed = toJson(l.getImageId(), c);
        }
        listener.accept(changed);
    }

    synchronized boolean knows(String imageId) {
        return find(imageId) != null || index.containsKey(imageId);
    }

    /**
     * One prediction's card: from either list, or built from the prediction index (no explanations); empty when the
     * console has not seen the prediction or has forgotten it.
     */
    synchronized Optional<ObjectNode> card(String imageId) {
        Card c = find(imageId);
        if (c == null) {
            Prediction p = index.get(imageId);
            if (p == null) {
                return Optional.empty();
            }
            c = new Card();
            c.prediction = p;
            if (p.getLabel() >= 0) {
                c.label = p.getLabel();
                c.labelSource = "image";
            }
        }
        return Optional.of(toJson(imageId, c));
    }

    synchronized Map<Integer, String> classNames() {
        return new TreeMap<>(classNames);
    }

    /** Cards matching the filter, newest first (for "explained only": most recently explained first). */
    synchronized ArrayNode cards(Filter f, int limit) {
        List<Map.Entry<String, Card>> all = new ArrayList<>((f.explainedOnly() ? explained : cards).entrySet());
        ArrayNode out = json.createArrayNode();
        for (int i = all.size() - 1; i >= 0 && out.size() < limit; i--) {
            Card c = all.get(i).getValue();
            if (c.prediction != null && matches(c, f)) {
                out.add(toJson(all.get(i).getKey(), c));
            }
        }
        return out;
    }

    synchronized ObjectNode meta() {
        ObjectNode m = json.createObjectNode();
        ObjectNode names = m.putObject("classes");
        classNames.forEach((k, v) -> names.put(String.valueOf(k), v));
        ArrayNode v = m.putArray("versions");
        versions.forEach(v::add);
        m.put("cards", cards.size());
        m.put("explainedCards", explained.size());
        return m;
    }

    private static boolean matches(Card c, Filter f) {
        ClassScore top = c.prediction.getTopKCount() > 0 ? c.prediction.getTopK(0) : null;
        if (f.classIndex() != null && (top == null || top.getClassIndex() != f.classIndex())) {
            return false;
        }
        if (f.belowConfidence() != null && (top == null || top.getProbability() >= f.belowConfidence())) {
            return false;
        }
        if (f.misclassifiedOnly() && (top == null || c.label < 0 || c.label == top.getClassIndex())) {
            return false;
        }
        if (f.explainedOnly() && c.explanations.isEmpty()) {
            return false;
        }
        return f.modelVersion() == null || f.modelVersion().equals(c.prediction.getModelVersion());
    }

    private ObjectNode toJson(String imageId, Card c) {
        ObjectNode n = json.createObjectNode();
        Prediction p = c.prediction;
        n.put("imageId", imageId);
        n.put("image", c.image != null ? c.image : "/images/" + imageId);
        n.put("explained", !c.explanations.isEmpty());
        if (p != null) {
            n.put("model", p.getModelName());
            n.put("version", p.getModelVersion());
            n.put("predictedAt", p.getPredictedAtMs());
            if (p.hasTimings()) {
                n.put("latencyMs", p.getTimings().getEndToEndMs());
            }
            ArrayNode top = n.putArray("topK");
            for (ClassScore s : p.getTopKList()) {
                ObjectNode t = top.addObject();
                t.put("index", s.getClassIndex());
                t.put("name", s.getClassName().isEmpty() ? String.valueOf(s.getClassIndex()) : s.getClassName());
                t.put("p", s.getProbability());
            }
            if (p.getTopKCount() > 0) {
                n.put("top1", p.getTopK(0).getClassIndex());
                n.put("confidence", p.getTopK(0).getProbability());
                n.put("misclassified", c.label >= 0 && c.label != p.getTopK(0).getClassIndex());
            }
        }
        n.put("label", c.label);
        n.put("labelSource", c.labelSource);
        ObjectNode arts = n.putObject("artifacts");
        c.explanations.forEach((key, e) -> {
            String method = key.contains("@") ? key.substring(0, key.indexOf('@')) : key;
            for (Artifact a : e.getArtifactsList()) {
                if (!a.getMethod().equals(method)) {
                    continue;
                }
                ObjectNode o = arts.putObject(key);
                o.put("method", method);
                o.put("image", url(a.getImageUri()));
                o.put("raw", url(a.getRawUri()));
                ArrayNode shape = o.putArray("shape");
                a.getRawShapeList().forEach(shape::add);
                o.put("ms", a.getDurationMs());
                o.put("reason", e.getReason());
                o.put("target", e.getTargetClass());
                o.put("layer", e.getLayer());
                if (a.hasFaithfulness()) {
                    ObjectNode f = o.putObject("faithfulness");
                    f.put("deletionAuc", a.getFaithfulness().getDeletionAuc());
                    f.put("insertionAuc", a.getFaithfulness().getInsertionAuc());
                    f.put("averageDrop", a.getFaithfulness().getAverageDrop());
                    f.put("averageIncrease", a.getFaithfulness().getAverageIncrease());
                    if (a.getFaithfulness().getHasPointingGame()) {
                        f.put("pointingHit", a.getFaithfulness().getPointingGameHit());
                    }
                }
            }
        });
        ArrayNode pending = n.putArray("pending");
        if (p != null && !c.explanations.isEmpty()) {
            methodsByModel.getOrDefault(p.getModelName(), new TreeSet<>()).stream()
                    .filter(m -> !c.explanations.containsKey(m)).forEach(pending::add);
        }
        return n;
    }

    /** Artifact URIs become console URLs only when they are well-formed artifact ids. */
    private static String url(String uri) {
        if (uri == null || uri.isEmpty()) {
            return "";
        }
        try {
            return "/artifacts/" + ArtifactId.fromUri(uri).id();
        } catch (InvalidArtifactIdException e) {
            return "";
        }
    }
}
