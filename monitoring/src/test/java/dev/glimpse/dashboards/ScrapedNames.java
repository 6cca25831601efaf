package dev.glimpse.dashboards;

import java.util.Set;
import java.util.TreeSet;

/** Series names in a Prometheus text exposition. */
final class ScrapedNames {

    private ScrapedNames() {
    }

    static Set<String> of(String exposition) {
        Set<String> names = new TreeSet<>();
        for (String line : exposition.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int end = 0;
            while (end < line.length() && line.charAt(end) != '{' && line.charAt(end) != ' ') {
                end++;
            }
            names.add(line.substring(0, end));
        }
        return names;
    }
}
