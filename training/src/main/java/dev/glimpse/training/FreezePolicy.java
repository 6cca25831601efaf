package dev.glimpse.training;

import dev.glimpse.training.model.Layer;
import dev.glimpse.training.model.Network;
import dev.glimpse.training.model.ParamTensor;
import dev.glimpse.training.model.Parameters;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Which weights a fine-tuning run may change: only the classifier head ({@code all-but-head}), the last N
 * weight layers ({@code unfreeze-last N}; conv, batch-norm and fc layers count, the head included), or
 * everything ({@code none}).
 */
public record FreezePolicy(String kind, int unfreezeLast) {

    public static FreezePolicy allButHead() {
        return new FreezePolicy("all-but-head", 1);
    }

    public static FreezePolicy unfreezeLast(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("--unfreeze-last must be >= 1, got " + n);
        }
        return new FreezePolicy("unfreeze-last", n);
    }

    public static FreezePolicy none() {
        return new FreezePolicy("none", Integer.MAX_VALUE);
    }

    public static FreezePolicy parse(String freeze) {
        return switch (freeze) {
            case "all-but-head" -> allButHead();
            case "none" -> none();
            default -> throw new IllegalArgumentException("--freeze must be all-but-head or none, got '" + freeze + "'");
        };
    }

    /** Names of the weights this policy trains, in parameter order. */
    public Set<String> trainable(Network net, Parameters params) {
        List<String> weightLayers = new ArrayList<>();
        for (Layer l : net.layers()) {
            if (l instanceof Layer.Conv || l instanceof Layer.BatchNorm || l instanceof Layer.Linear) {
                weightLayers.add(l.name());
            }
        }
        int from = Math.max(0, weightLayers.size() - unfreezeLast);
        Set<String> layers = new LinkedHashSet<>(weightLayers.subList(from, weightLayers.size()));
        Set<String> out = new LinkedHashSet<>();
        for (ParamTensor t : params.weights()) {
            if (layers.contains(t.layer())) {
                out.add(t.name());
            }
        }
        return out;
    }

    /** The head's weight names (they keep the full learning rate when the backbone's is scaled). */
    public static Set<String> headWeights(Network net) {
        String head = net.head().name();
        return Set.of(head + ".weight", head + ".bias");
    }

    public String describe() {
        return kind.equals("unfreeze-last") ? "unfreeze-last " + unfreezeLast : kind;
    }
}
