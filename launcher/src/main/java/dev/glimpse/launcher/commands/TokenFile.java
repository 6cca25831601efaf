package dev.glimpse.launcher.commands;

import dev.glimpse.platform.http.BearerAuth;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The bearer token a command makes for itself when none is given: kept in a file readable by its owner only
 * (mode 0600), reused on the next start so that exported tokens keep working; its path is printed, never the token.
 */
public final class TokenFile {

    private TokenFile() {
    }

    /** The token file at {@code file}: the existing one when it holds a valid token, else a new random token. */
    public static Path ensure(Path file) {
        try {
            if (Files.isRegularFile(file)) {
                BearerAuth.readTokenFile(BearerAuth.TOKEN_FILE, file); // throws when unusable
                return file;
            }
            return BearerAuth.writeTokenFile(file, BearerAuth.generateToken());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the token file " + file + ": " + e.getMessage(), e);
        }
    }
}
