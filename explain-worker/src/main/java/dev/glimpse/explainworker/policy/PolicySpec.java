package dev.glimpse.explainworker.policy;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The text form of a policy, as given in configuration ({@code explain.policy}): comma-separated terms, any of
 * which selects a prediction —
 * {@code all}, {@code sample:<rate>}, {@code low-confidence:<threshold>}, {@code disagreement},
 * {@code on-demand} (nothing automatic). Example: {@code low-confidence:0.6,disagreement,sample:0.05}.
 */
public final class PolicySpec {

    private PolicySpec() {
    }

    public static ExplanationPolicy parse(String spec) {
        if (spec == null || spec.isBlank()) {
            throw new IllegalArgumentException("explain.policy must not be empty; use one of all, sample:<rate>, "
                    + "low-confidence:<threshold>, disagreement, on-demand");
        }
        List<ExplanationPolicy> terms = new ArrayList<>();
        for (String raw : spec.split(",")) {
            String term = raw.trim().toLowerCase(Locale.ROOT);
            String name = term.contains(":") ? term.substring(0, term.indexOf(':')) : term;
            String arg = term.contains(":") ? term.substring(term.indexOf(':') + 1) : null;
            ExplanationPolicy p = switch (name) {
                case "all" -> new ExplainAll();
                case "sample" -> new SampleRate(number(raw, arg));
                case "low-confidence" -> new LowConfidence(number(raw, arg));
                case "disagreement" -> new LabelDisagreement();
                case "on-demand" -> new OnDemandOnly();
                default -> throw new IllegalArgumentException("explain.policy: unknown term '" + raw.trim()
                        + "' (expected all, sample:<rate>, low-confidence:<threshold>, disagreement, on-demand)");
            };
            if (arg != null && (p instanceof ExplainAll || p instanceof LabelDisagreement || p instanceof OnDemandOnly)) {
                throw new IllegalArgumentException("explain.policy: term '" + raw.trim() + "' takes no argument");
            }
            terms.add(p);
        }
        return terms.size() == 1 ? terms.get(0) : new AnyOf(terms);
    }

    private static double number(String term, String arg) {
        if (arg == null || arg.isBlank()) {
            throw new IllegalArgumentException("explain.policy: term '" + term.trim() + "' needs a number after ':'");
        }
        try {
            return Double.parseDouble(arg);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("explain.policy: term '" + term.trim() + "' has a bad number '" + arg + "'");
        }
    }
}
