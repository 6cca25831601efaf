package dev.glimpse.explain;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Method parameters given as key=value (e.g. {@code smoothgrad.samples=25}, {@code occlusion.window=16}).
 * Read once per method; a bad value is reported with its key and the value quoted.
 */
public final class Options {

    private final Map<String, String> values;
    private final Map<String, Object> used = new TreeMap<>();

    public Options(Map<String, String> values) {
        this.values = new LinkedHashMap<>(values);
    }

    public static Options none() {
        return new Options(Map.of());
    }

    public int integer(String key, int dflt, int min) {
        String v = values.get(key);
        int r;
        try {
            r = v == null ? dflt : Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("option " + key + " must be an integer, got '" + v + "'");
        }
        if (r < min) {
            throw new IllegalArgumentException("option " + key + " must be >= " + min + ", got '" + (v == null ? dflt : v) + "'");
        }
        used.put(key, r);
        return r;
    }

    public double real(String key, double dflt, double min) {
        String v = values.get(key);
        double r;
        try {
            r = v == null ? dflt : Double.parseDouble(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("option " + key + " must be a number, got '" + v + "'");
        }
        if (!(r >= min) || Double.isInfinite(r)) {
            throw new IllegalArgumentException("option " + key + " must be a finite number >= " + min + ", got '" + (v == null ? dflt : v) + "'");
        }
        used.put(key, r);
        return r;
    }

    public String string(String key, String dflt) {
        String r = values.getOrDefault(key, dflt);
        if (r != null) {
            used.put(key, r);
        }
        return r;
    }

    /** The parameters actually read, with defaults filled in (for summary.json). */
    public Map<String, Object> used() {
        return Collections.unmodifiableMap(used);
    }

    public Map<String, String> given() {
        return Collections.unmodifiableMap(values);
    }
}
