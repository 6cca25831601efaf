package dev.glimpse.platform.health;

import dev.glimpse.platform.Health;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * The body and status code of {@code GET /health} for a set of named checks: the overall status is the worst
 * check's; {@code 200} while every check is UP or DEGRADED (the service still serves), {@code 503} when one is DOWN.
 * Body: {@code {"status":"DEGRADED","checks":{"explain-worker":"DEGRADED"},"reasons":{"explain-worker":"..."}}};
 * {@code reasons} only lists checks that are not UP and said why.
 */
public record HealthReport(Health.Status status, Map<String, Health> checks) {

    /** Evaluates every check; a check that throws counts as DOWN with the exception as its reason. */
    public static HealthReport evaluate(Map<String, Supplier<Health>> checks) {
        Map<String, Health> results = new TreeMap<>();
        checks.forEach((name, check) -> {
            Health h;
            try {
                h = check.get();
            } catch (RuntimeException e) {
                h = Health.down(e.toString());
            }
            results.put(name, h == null ? Health.down("no answer") : h);
        });
        Health.Status worst = Health.Status.UP;
        for (Health h : results.values()) {
            if (h.status().compareTo(worst) > 0) {
                worst = h.status();
            }
        }
        return new HealthReport(worst, results);
    }

    public int httpStatus() {
        return status == Health.Status.DOWN ? 503 : 200;
    }

    public String json() {
        StringBuilder json = new StringBuilder("{\"status\":\"").append(status).append("\",\"checks\":{");
        String sep = "";
        for (var e : checks.entrySet()) {
            json.append(sep).append('"').append(escape(e.getKey())).append("\":\"").append(e.getValue().status()).append('"');
            sep = ",";
        }
        json.append('}');
        sep = "";
        for (var e : checks.entrySet()) {
            if (e.getValue().status() != Health.Status.UP && !e.getValue().reason().isEmpty()) {
                json.append(sep.isEmpty() ? ",\"reasons\":{" : sep).append('"').append(escape(e.getKey())).append("\":\"")
                        .append(escape(e.getValue().reason())).append('"');
                sep = ",";
            }
        }
        if (!sep.isEmpty()) {
            json.append('}');
        }
        return json.append("}\n").toString();
    }

    private static String escape(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.toString();
    }
}
