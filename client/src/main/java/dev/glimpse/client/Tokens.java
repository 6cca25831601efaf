package dev.glimpse.client;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/** Where a command finds its bearer token: {@code --token-file F}, else {@code GLIMPSE_TOKEN}, else {@code ./data/token} when it exists. */
public final class Tokens {

    public static final Path DEMO_TOKEN = Path.of("data", "token");

    private Tokens() {
    }

    public static Optional<String> resolve(Path tokenFile, Map<String, String> env) {
        if (tokenFile != null) {
            if (!Files.isRegularFile(tokenFile)) {
                throw new IllegalArgumentException("--token-file " + tokenFile + ": no such file");
            }
            return Optional.of(read(tokenFile));
        }
        String fromEnv = env.get("GLIMPSE_TOKEN");
        if (fromEnv != null && !fromEnv.isBlank()) {
            return Optional.of(fromEnv.trim());
        }
        return Files.isRegularFile(DEMO_TOKEN) ? Optional.of(read(DEMO_TOKEN)) : Optional.empty();
    }

    private static String read(Path p) {
        try {
            String t = Files.readString(p, StandardCharsets.UTF_8).trim();
            if (t.isEmpty()) {
                throw new IllegalArgumentException("token file " + p + " is empty");
            }
            return t;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read token file " + p + ": " + e.getMessage(), e);
        }
    }
}
