package dev.glimpse.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The engine's packages form layers, onnx ← graph ← autodiff ← exec: a package refers only to the ones below it,
 * whether by import or by a fully qualified name (the gradient rules in autodiff.rules and their registry in
 * autodiff are one layer).
 */
class PackageLayersTest {

    private static final Path MAIN = Path.of("src/main/java/dev/glimpse/engine");
    private static final Pattern REFERENCE = Pattern.compile("\\bdev\\.glimpse\\.engine\\.([a-z]+)\\b");
    private static final Map<String, Set<String>> ALLOWED = Map.of(
            "graph", Set.of("graph", "onnx"),
            "autodiff", Set.of("autodiff", "graph", "onnx"),
            "exec", Set.of("exec", "autodiff", "graph", "onnx"));

    @Test
    void shouldReferOnlyToLowerLayers() throws IOException {
        // Given every main source file of the layered packages
        Map<String, Set<String>> violations = new TreeMap<>();
        for (String pkg : ALLOWED.keySet()) {
            try (Stream<Path> files = Files.walk(MAIN.resolve(pkg))) {
                for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                    // When the engine packages it refers to are collected
                    Matcher m = REFERENCE.matcher(Files.readString(f));
                    while (m.find()) {
                        if (!ALLOWED.get(pkg).contains(m.group(1))) {
                            violations.computeIfAbsent(MAIN.relativize(f).toString(), k -> new TreeSet<>())
                                    .add("dev.glimpse.engine." + m.group(1));
                        }
                    }
                }
            }
        }
        // Then none refers upwards (exec runs what autodiff builds, never the other way round)
        assertEquals(Map.of(), violations, "references against the layers onnx <- graph <- autodiff <- exec");
    }
}
