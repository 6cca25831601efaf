package dev.glimpse.training;

import java.util.Locale;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Accuracy, per-class accuracy and confusion matrix (rows = true class, columns = predicted class). */
public record Evaluation(List<String> classNames, long[][] confusion, double meanLoss) {

    public long total() {
        long n = 0;
        for (long[] row : confusion) {
            for (long v : row) {
                n += v;
            }
        }
        return n;
    }

    public long correct() {
        long n = 0;
        for (int i = 0; i < confusion.length; i++) {
            n += confusion[i][i];
        }
        return n;
    }

    public double accuracy() {
        long t = total();
        return t == 0 ? 0 : correct() / (double) t;
    }

    public long classTotal(int c) {
        long n = 0;
        for (long v : confusion[c]) {
            n += v;
        }
        return n;
    }

    /** The seed articles' report lines, e.g. {@code Test Accuracy of Coat: 85% (850/1000)}. */
    public List<String> perClassLines() {
        List<String> lines = new ArrayList<>();
        for (int c = 0; c < classNames.size(); c++) {
            long t = classTotal(c);
            if (t == 0) {
                lines.add("Test Accuracy of " + classNames.get(c) + ": N/A (no test examples)");
            } else {
                lines.add("Test Accuracy of " + classNames.get(c) + ": " + (100 * confusion[c][c] / t) + "% ("
                        + confusion[c][c] + "/" + t + ")");
            }
        }
        return lines;
    }

    public String overallLine() {
        return String.format(Locale.ROOT, "Test Accuracy (Overall): %d%% (%d/%d)", 100 * correct() / Math.max(1, total()),
                correct(), total());
    }

    /** The confusion matrix as aligned text with class indices as headers. */
    public String confusionTable() {
        StringBuilder sb = new StringBuilder();
        int k = classNames.size();
        int width = 6;
        sb.append(String.format("%-14s", "true\\pred"));
        for (int j = 0; j < k; j++) {
            sb.append(String.format("%" + width + "d", j));
        }
        sb.append('\n');
        for (int i = 0; i < k; i++) {
            String name = classNames.get(i);
            sb.append(String.format("%-14s", (i + " " + name).length() > 13 ? (i + " " + name).substring(0, 13) : i + " " + name));
            for (int j = 0; j < k; j++) {
                sb.append(String.format("%" + width + "d", confusion[i][j]));
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    public Map<String, Object> asMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("accuracy", accuracy());
        m.put("correct", correct());
        m.put("total", total());
        m.put("loss", meanLoss);
        List<Map<String, Object>> perClass = new ArrayList<>();
        for (int c = 0; c < classNames.size(); c++) {
            Map<String, Object> pc = new LinkedHashMap<>();
            pc.put("class", classNames.get(c));
            pc.put("correct", confusion[c][c]);
            pc.put("total", classTotal(c));
            pc.put("accuracy", classTotal(c) == 0 ? null : confusion[c][c] / (double) classTotal(c));
            perClass.add(pc);
        }
        m.put("per_class", perClass);
        m.put("labels", classNames);
        m.put("confusion", confusion);
        return m;
    }
}
