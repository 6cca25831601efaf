package dev.glimpse.dashboards;

import dev.glimpse.platform.metrics.MetricsServer;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The meters every module of the repository registers, found in its main sources: Micrometer builder calls
 * ({@code Counter.builder("glimpse.x")...register}), registry shortcuts ({@code registry.counter("glimpse.x")}) and
 * helper methods that take the name as a parameter. Each is then registered, with the same type and distribution
 * options, in a registry made by {@link MetricsServer#newRegistry} so that the Prometheus names come from
 * Micrometer itself (suffixes {@code _total}, {@code _seconds}, {@code _bucket} ...), not from rules written here.
 */
final class SourceMeters {

    enum Type { COUNTER, TIMER, SUMMARY, GAUGE }

    /** One meter declaration: name, type, distribution options, and where it was found. */
    record Meter(String name, Type type, boolean percentiles, boolean buckets, String baseUnit, String source) {
    }

    private static final Pattern CONSTANT = Pattern.compile("static\\s+final\\s+String\\s+(\\w+)\\s*=\\s*\"([^\"]+)\"");
    private static final Pattern BUILDER = Pattern.compile(
            "\\b(Counter|Timer|DistributionSummary|Gauge|FunctionCounter|TimeGauge)\\.builder\\(\\s*([\\w.]+|\"[^\"]+\")");
    private static final Pattern SHORTCUT = Pattern.compile(
            "\\b\\w*[rR]egistry(?:\\(\\))?\\.(counter|gauge|timer|summary)\\(\\s*([\\w.]+|\"[^\"]+\")");
    private static final Pattern HELPER = Pattern.compile("\\b(\\w+)\\(\\s*String\\s+(\\w+)\\s*[,)]");
    private static final Pattern BASE_UNIT = Pattern.compile("\\.baseUnit\\(\\s*\"([^\"]+)\"");

    private SourceMeters() {
    }

    /** Every meter registered by the main sources under {@code repositoryRoot}. */
    static List<Meter> scan(Path repositoryRoot) {
        List<Path> files = javaFiles(repositoryRoot);
        Map<String, String> constants = new HashMap<>();
        Map<Path, String> sources = new HashMap<>();
        for (Path f : files) {
            String text = read(f);
            sources.put(f, text);
            String cls = f.getFileName().toString().replace(".java", "");
            Matcher m = CONSTANT.matcher(text);
            while (m.find()) {
                constants.put(cls + "." + m.group(1), m.group(2));
                constants.putIfAbsent(m.group(1) + "@" + f, m.group(2));
            }
        }
        List<Meter> meters = new ArrayList<>();
        for (Path f : files) {
            String text = sources.get(f);
            if (!text.contains("io.micrometer")) {
                continue;
            }
            String where = repositoryRoot.relativize(f).toString();
            Map<String, Meter> helpers = new HashMap<>();
            Matcher b = BUILDER.matcher(text);
            while (b.find()) {
                String chain = chain(text, b.start());
                Type type = typeOf(b.group(1));
                String name = resolve(b.group(2), constants, f);
                Meter template = new Meter(name, type, chain.contains("publishPercentiles("),
                        chain.contains("publishPercentileHistogram(") || chain.contains("serviceLevelObjectives("),
                        baseUnit(chain), where);
                if (name != null) {
                    meters.add(template);
                } else {
                    // builder(name) inside a helper method: its calls with a literal name are the meters.
                    String helper = enclosingHelper(text, b.start(), b.group(2));
                    if (helper != null) {
                        helpers.put(helper, template);
                    }
                }
            }
            Matcher s = SHORTCUT.matcher(text);
            while (s.find()) {
                String name = resolve(s.group(2), constants, f);
                if (name != null) {
                    Type type = switch (s.group(1)) {
                        case "counter" -> Type.COUNTER;
                        case "timer" -> Type.TIMER;
                        case "summary" -> Type.SUMMARY;
                        default -> Type.GAUGE;
                    };
                    meters.add(new Meter(name, type, false, false, null, where));
                } else {
                    String helper = enclosingHelper(text, s.start(), s.group(2));
                    if (helper != null) {
                        helpers.put(helper, new Meter(null, s.group(1).equals("gauge") ? Type.GAUGE : Type.COUNTER,
                                false, false, null, where));
                    }
                }
            }
            helpers.forEach((helper, template) -> {
                // Calls may be in this file or, for package-private helpers, in other files of the package.
                Pattern call = Pattern.compile("\\b" + helper + "\\(\\s*(\"glimpse[^\"]+\"|[A-Z_]+)");
                for (Path other : files) {
                    if (!other.getParent().equals(f.getParent())) {
                        continue;
                    }
                    Matcher c = call.matcher(sources.get(other));
                    while (c.find()) {
                        String name = resolve(c.group(1), constants, other);
                        if (name != null) {
                            meters.add(new Meter(name, template.type(), template.percentiles(), template.buckets(),
                                    template.baseUnit(), repositoryRoot.relativize(other).toString()));
                        }
                    }
                }
            });
        }
        return meters;
    }

    /** The Prometheus series names of the meters, rendered by a registry with Glimpse's conventions. */
    static Set<String> prometheusNames(List<Meter> meters) {
        PrometheusMeterRegistry registry = MetricsServer.newRegistry("scan");
        register(meters, registry);
        return ScrapedNames.of(registry.scrape());
    }

    /** Registers every meter (with one sample each) in the registry. */
    static void register(List<Meter> meters, PrometheusMeterRegistry registry) {
        for (Meter m : meters) {
            String unique = Integer.toString(System.identityHashCode(m));
            // A tag per declaration keeps same-named meters with different options from colliding; the
            // Prometheus registry refuses a second tag-key set under one name, hence the same key everywhere.
            switch (m.type()) {
                case COUNTER -> Counter.builder(m.name()).tag("decl", unique).register(registry).increment();
                case GAUGE -> Gauge.builder(m.name(), () -> 1.0).tag("decl", unique).register(registry);
                case TIMER -> {
                    Timer.Builder t = Timer.builder(m.name()).tag("decl", unique);
                    if (m.percentiles()) {
                        t.publishPercentiles(0.5);
                    }
                    if (m.buckets()) {
                        t.publishPercentileHistogram();
                    }
                    t.register(registry).record(Duration.ofMillis(5));
                }
                case SUMMARY -> {
                    DistributionSummary.Builder d = DistributionSummary.builder(m.name()).tag("decl", unique);
                    if (m.percentiles()) {
                        d.publishPercentiles(0.5);
                    }
                    if (m.buckets()) {
                        d.serviceLevelObjectives(1, 2);
                    }
                    if (m.baseUnit() != null) {
                        d.baseUnit(m.baseUnit());
                    }
                    d.register(registry).record(1);
                }
            }
        }
    }

    private static Type typeOf(String builder) {
        return switch (builder) {
            case "Counter", "FunctionCounter" -> Type.COUNTER;
            case "Timer" -> Type.TIMER;
            case "DistributionSummary" -> Type.SUMMARY;
            default -> Type.GAUGE;
        };
    }

    /** The builder chain: from the builder call to the end of its statement. */
    private static String chain(String text, int from) {
        int end = text.indexOf(';', from);
        return text.substring(from, end < 0 ? text.length() : end);
    }

    private static String baseUnit(String chain) {
        Matcher m = BASE_UNIT.matcher(chain);
        return m.find() ? m.group(1) : null;
    }

    private static String resolve(String arg, Map<String, String> constants, Path file) {
        if (arg.startsWith("\"")) {
            String literal = arg.substring(1, arg.length() - 1);
            return literal.startsWith("glimpse.") ? literal : null;
        }
        String value = constants.get(arg);
        if (value == null) {
            value = constants.get(arg + "@" + file);
        }
        return value != null && value.startsWith("glimpse.") ? value : null;
    }

    /** The method whose String parameter named {@code param} is passed to the builder at {@code at}. */
    private static String enclosingHelper(String text, int at, String param) {
        Matcher h = HELPER.matcher(text);
        String found = null;
        while (h.find() && h.start() < at) {
            if (h.group(2).equals(param)) {
                found = h.group(1);
            }
        }
        return found;
    }

    private static List<Path> javaFiles(Path root) {
        try (Stream<Path> walk = Files.walk(root)) {
            return walk.filter(p -> p.toString().endsWith(".java"))
                    .filter(p -> p.toString().contains("/src/main/java/"))
                    .filter(p -> !p.toString().contains("/target/"))
                    .sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String read(Path f) {
        try {
            return Files.readString(f);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Distinct names, for printing. */
    static Set<String> names(List<Meter> meters) {
        Set<String> s = new TreeSet<>();
        meters.forEach(m -> s.add(m.name()));
        return s;
    }
}
