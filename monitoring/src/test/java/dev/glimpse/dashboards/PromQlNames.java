package dev.glimpse.dashboards;

import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Glimpse metric names a PromQL expression reads: every {@code glimpse_*} identifier outside quoted strings
 * (label values, legend text). Functions, keywords and label names never start with {@code glimpse_}.
 */
final class PromQlNames {

    private static final Pattern QUOTED = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'|`[^`]*`");
    private static final Pattern NAME = Pattern.compile("(?<![A-Za-z0-9_:$])glimpse_[A-Za-z0-9_:]*");

    private PromQlNames() {
    }

    static Set<String> of(String expr) {
        String unquoted = QUOTED.matcher(expr).replaceAll("\"\"");
        Set<String> names = new TreeSet<>();
        Matcher m = NAME.matcher(unquoted);
        while (m.find()) {
            names.add(m.group());
        }
        return names;
    }
}
