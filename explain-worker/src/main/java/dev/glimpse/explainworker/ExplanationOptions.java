package dev.glimpse.explainworker;

import dev.glimpse.explain.Options;
import dev.glimpse.explain.faithfulness.FaithfulnessScorer;
import dev.glimpse.explain.faithfulness.Road;
import dev.glimpse.explain.methods.Methods;
import dev.glimpse.explain.tokens.LayoutDetection;
import dev.glimpse.platform.config.ConfigException;
import dev.glimpse.platform.config.Validator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the worker passes to the explain library besides the method names: method parameters as
 * {@code ./glimpse explain --param} takes them ({@code explain.params}, e.g. {@code tokens.grid=14x14,
 * smoothgrad.samples=25}), and ROAD as an extra faithfulness metric ({@code explain.faithfulness.road.percentiles},
 * off when empty; {@code explain.faithfulness.road.noise}). Checked when the configuration is built: a parameter must
 * be {@code <method>.<name>=<value>} or {@code tokens.layout|grid=...} with a value those take.
 *
 * @param params          method parameters by key
 * @param roadPercentiles ROAD percentages of pixels removed (empty: no ROAD)
 * @param roadNoise       ROAD's imputation noise (standard deviation in the model's input space)
 */
public record ExplanationOptions(Map<String, String> params, List<Integer> roadPercentiles, double roadNoise) {

    public static final String PARAMS = "explain.params";
    public static final String ROAD_PERCENTILES = "explain.faithfulness.road.percentiles";
    public static final String ROAD_NOISE = "explain.faithfulness.road.noise";

    public ExplanationOptions {
        params = Map.copyOf(params);
        params.forEach(ExplanationOptions::checkParam);
        roadPercentiles = List.copyOf(roadPercentiles);
        if (!roadPercentiles.isEmpty()) {
            try {
                Road.requireValid(roadPercentiles.stream().mapToInt(Integer::intValue).toArray());
            } catch (IllegalArgumentException e) {
                throw new ConfigException(ROAD_PERCENTILES, roadPercentiles, e.getMessage());
            }
        }
        if (!(roadNoise >= 0) || Double.isInfinite(roadNoise)) {
            throw new ConfigException(ROAD_NOISE, roadNoise, "expected a finite number >= 0");
        }
    }

    /** No parameters, no ROAD. */
    public static ExplanationOptions none() {
        return new ExplanationOptions(Map.of(), List.of(), Road.DEFAULT_NOISE);
    }

    /** {@code key=value} entries of {@link #PARAMS}; a malformed or repeated one names the key. */
    public static Map<String, String> parseParams(List<String> entries) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String entry : entries) {
            int eq = entry.indexOf('=');
            if (eq <= 0 || eq == entry.length() - 1) {
                throw new ConfigException(PARAMS, entry, "expected key=value, e.g. tokens.grid=14x14 or smoothgrad.samples=25");
            }
            String key = entry.substring(0, eq).trim();
            if (out.put(key, entry.substring(eq + 1).trim()) != null) {
                throw new ConfigException(PARAMS, entry, "parameter '" + key + "' given twice");
            }
        }
        return out;
    }

    /** The validator of {@link #PARAMS} in the worker's definition: each entry well-formed and of a known owner. */
    public static Validator paramsValidator() {
        return new Validator() {
            @Override
            public void ensureValid(String key, Object value) {
                List<String> entries = value instanceof List<?> l ? l.stream().map(String::valueOf).toList() : List.of(String.valueOf(value));
                parseParams(entries).forEach(ExplanationOptions::checkParam);
            }

            @Override
            public String describe() {
                return "key=value entries: tokens.layout=nld|nhwc|nchw, tokens.grid=HxW, <method>.<parameter>=<value>";
            }
        };
    }

    private static void checkParam(String key, String value) {
        int dot = key.indexOf('.');
        String owner = dot < 0 ? key : key.substring(0, dot);
        if (dot <= 0 || dot == key.length() - 1 || !(owner.equals("tokens") || Methods.names().contains(owner))) {
            throw new ConfigException(PARAMS, key + "=" + value, "expected <method>.<parameter> (a method of "
                    + Methods.names() + ") or tokens.layout / tokens.grid");
        }
        if (key.equals(LayoutDetection.LAYOUT) && !value.matches("nld|nhwc|nchw")) {
            throw new ConfigException(PARAMS, key + "=" + value, "tokens.layout must be nld, nhwc or nchw");
        }
        if (key.equals(LayoutDetection.GRID) && !value.matches("[1-9]\\d*x[1-9]\\d*")) {
            throw new ConfigException(PARAMS, key + "=" + value, "tokens.grid must be HxW, e.g. 14x14");
        }
        if (owner.equals("tokens") && !key.equals(LayoutDetection.LAYOUT) && !key.equals(LayoutDetection.GRID)) {
            throw new ConfigException(PARAMS, key + "=" + value, "the token parameters are tokens.layout and tokens.grid");
        }
    }

    /** A fresh {@link Options} for one call of the library (it records what was read). */
    public Options options() {
        return new Options(params);
    }

    /** The worker's scorer: deletion/insertion, average drop, pointing game, plus ROAD when configured. */
    public FaithfulnessScorer scorer(int steps, double pointingTolerance) {
        FaithfulnessScorer s = new FaithfulnessScorer(steps, pointingTolerance);
        return roadPercentiles.isEmpty() ? s
                : s.withRoad(roadPercentiles.stream().mapToInt(Integer::intValue).toArray(), roadNoise);
    }
}
