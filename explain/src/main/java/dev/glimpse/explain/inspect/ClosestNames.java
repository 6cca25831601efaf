package dev.glimpse.explain.inspect;

import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/** The tensor names nearest to a mistyped one by edit distance, to say what {@code --layer} could have meant. */
public final class ClosestNames {

    private ClosestNames() {
    }

    /** Up to {@code limit} of {@code candidates}, nearest first (Levenshtein distance, ignoring case; ties by name). */
    public static List<String> closest(String name, Collection<String> candidates, int limit) {
        String n = name.toLowerCase(Locale.ROOT);
        return candidates.stream().distinct()
                .sorted(Comparator.<String>comparingInt(c -> distance(n, c.toLowerCase(Locale.ROOT)))
                        .thenComparing(Comparator.naturalOrder()))
                .limit(limit)
                .toList();
    }

    /** The refusal of an unknown {@code --layer}, naming the closest tensors. */
    public static String unknownLayer(String layer, Collection<String> candidates) {
        List<String> near = closest(layer, candidates, 5);
        return "--layer '" + layer + "' is not a tensor of the model"
                + (near.isEmpty() ? "" : "; closest tensor names: " + String.join(", ", near));
    }

    static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                cur[j] = Math.min(sub, Math.min(prev[j] + 1, cur[j - 1] + 1));
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
