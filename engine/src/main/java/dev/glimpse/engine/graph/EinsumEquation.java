package dev.glimpse.engine.graph;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * An Einsum equation with its output made explicit ({@code "ij,jk"} → {@code "ij,jk->ik"}): operand terms and the
 * output term as written (letters and at most one {@code ...}), and the shapes they imply.
 */
public final class EinsumEquation {

    private final List<String> inputs;
    private final String output;

    private EinsumEquation(List<String> inputs, String output) {
        this.inputs = inputs;
        this.output = output;
    }

    public static EinsumEquation parse(String equation) {
        String eq = equation.replace(" ", "");
        int arrow = eq.indexOf("->");
        List<String> ins = List.of((arrow < 0 ? eq : eq.substring(0, arrow)).split(",", -1));
        String out;
        if (arrow >= 0) {
            out = eq.substring(arrow + 2);
        } else {
            // implicit form: ellipsis first, then the letters used exactly once, in alphabetical order
            Map<Character, Integer> counts = new TreeMap<>();
            boolean ellipsis = false;
            for (String t : ins) {
                ellipsis |= t.contains("...");
                for (char c : letters(t).toCharArray()) {
                    counts.merge(c, 1, Integer::sum);
                }
            }
            StringBuilder sb = new StringBuilder(ellipsis ? "..." : "");
            counts.forEach((c, n) -> {
                if (n == 1) {
                    sb.append(c);
                }
            });
            out = sb.toString();
        }
        return new EinsumEquation(ins, out);
    }

    public List<String> inputs() {
        return inputs;
    }

    public String output() {
        return output;
    }

    /** The explicit equation text. */
    @Override
    public String toString() {
        return String.join(",", inputs) + "->" + output;
    }

    /** The letters of a term, without the ellipsis. */
    public static String letters(String term) {
        return term.replace("...", "");
    }

    /** Size of every letter and the broadcast ellipsis dims for the given operand shapes; fails on a mismatch. */
    public Sizes sizes(List<long[]> shapes) {
        Map<Character, Long> letters = new LinkedHashMap<>();
        long[] ellipsis = new long[0];
        for (int i = 0; i < inputs.size(); i++) {
            String t = inputs.get(i);
            long[] s = shapes.get(i);
            String l = letters(t);
            int e = s.length - l.length();
            if (e < 0 || (e > 0 && !t.contains("..."))) {
                throw new IllegalArgumentException("Einsum operand " + i + " of shape " + Arrays.toString(s)
                        + " does not match term '" + t + "'");
            }
            int at = t.contains("...") ? t.indexOf("...") : l.length();
            for (int k = 0; k < l.length(); k++) {
                long d = s[k < at ? k : k + e];
                Long prev = letters.get(l.charAt(k));
                if (prev == null || prev == 1) {
                    letters.put(l.charAt(k), d);
                } else if (d != 1 && d != prev) {
                    throw new IllegalArgumentException("Einsum letter '" + l.charAt(k) + "' has sizes " + prev + " and " + d);
                }
            }
            ellipsis = ShapeInference.broadcast(ellipsis, Arrays.copyOfRange(s, at, at + e));
        }
        return new Sizes(letters, ellipsis);
    }

    /** Letter sizes and the ellipsis dims of an equation applied to concrete shapes. */
    public record Sizes(Map<Character, Long> letters, long[] ellipsis) {

        /** The shape of a term under these sizes. */
        public long[] shapeOf(String term) {
            List<Long> out = new ArrayList<>();
            String l = EinsumEquation.letters(term);
            int at = term.contains("...") ? term.indexOf("...") : l.length();
            for (int k = 0; k < l.length(); k++) {
                if (k == at) {
                    Arrays.stream(ellipsis).forEach(out::add);
                }
                out.add(letters.get(l.charAt(k)));
            }
            if (at == l.length()) {
                Arrays.stream(ellipsis).forEach(out::add);
            }
            return out.stream().mapToLong(Long::longValue).toArray();
        }
    }
}
