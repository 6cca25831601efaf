package dev.glimpse.platform.http;

import dev.glimpse.platform.config.Config;
import dev.glimpse.platform.config.ConfigDefinition;
import dev.glimpse.platform.config.ConfigException;
import dev.glimpse.platform.config.ConfigType;
import dev.glimpse.platform.config.Validator;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who may call a Glimpse HTTP API. A request proves itself with {@code Authorization: Bearer <token>} (the scheme
 * is case-insensitive, RFC 7235; a token anywhere else — the query string, Basic — counts for nothing). A request
 * that changes state (any method but GET, HEAD, OPTIONS) needs the write token; a read needs the read or the write
 * token when reads are protected, nothing otherwise. Tokens are compared in constant time over their SHA-256
 * digests (neither content nor length leaks) and never logged. Every service with write endpoints (ingest, console,
 * operator API) puts one in its server's {@link RequestFilter}.
 */
public final class BearerAuth implements RequestFilter {

    public static final String ENABLED = "auth.enabled";
    public static final String TOKEN = "auth.token";
    public static final String TOKEN_FILE = "auth.token.file";
    public static final String READ_TOKEN = "auth.read.token";
    public static final String READ_TOKEN_FILE = "auth.read.token.file";
    public static final String READS_REQUIRE_TOKEN = "auth.read.required";

    /** The environment variables of the write and the read token (besides {@code GLIMPSE_AUTH_TOKEN} ...). */
    public static final String TOKEN_VARIABLE = "GLIMPSE_TOKEN";
    public static final String READ_TOKEN_VARIABLE = "GLIMPSE_READ_TOKEN";

    private static final Logger LOG = LoggerFactory.getLogger(BearerAuth.class);
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Set<String> READ_METHODS = Set.of("GET", "HEAD", "OPTIONS");

    /** Null = authentication off. */
    private final byte[] writeDigest;
    private final byte[] readDigest;
    private final boolean readsRequireToken;

    private BearerAuth(byte[] writeDigest, byte[] readDigest, boolean readsRequireToken) {
        this.writeDigest = writeDigest;
        this.readDigest = readDigest;
        this.readsRequireToken = readsRequireToken;
    }

    /** The auth keys, to {@link ConfigDefinition#include} in the definition of a service with write endpoints. */
    public static ConfigDefinition definition() {
        return new ConfigDefinition("auth")
                .define(ENABLED, ConfigType.BOOLEAN, true, "Require a bearer token on every state-changing HTTP endpoint "
                        + "(--no-auth sets false: local experiments only)")
                .define(TOKEN, ConfigType.STRING, null, TOKEN_RULE,
                        "The write token (also $" + TOKEN_VARIABLE + "); never logged")
                .define(TOKEN_FILE, ConfigType.PATH, null, "File whose first line is the write token (--token-file)")
                .define(READ_TOKEN, ConfigType.STRING, null, TOKEN_RULE,
                        "A token that only reads (also $" + READ_TOKEN_VARIABLE + "); never logged")
                .define(READ_TOKEN_FILE, ConfigType.PATH, null, "File whose first line is the read token")
                .define(READS_REQUIRE_TOKEN, ConfigType.BOOLEAN, false,
                        "Require the read or the write token on read-only endpoints too (the operator API always does)");
    }

    /** Environment variables read besides {@code GLIMPSE_<KEY>}: variable → key. */
    public static Map<String, String> environmentAliases() {
        return Map.of(TOKEN_VARIABLE, TOKEN, READ_TOKEN_VARIABLE, READ_TOKEN);
    }

    /**
     * The policy of a parsed configuration that includes {@link #definition()}.
     *
     * @param service named in the WARN line when authentication is off
     * @throws ConfigException when authentication is on and no write token is given (naming the ways to give one)
     */
    public static BearerAuth from(Config c, String service) {
        if (!c.getBoolean(ENABLED)) {
            return disabled(service);
        }
        String write = token(c, TOKEN, TOKEN_FILE);
        if (write == null) {
            throw new ConfigException(TOKEN, null, "no bearer token for the write endpoints: give --token-file FILE or $"
                    + TOKEN_VARIABLE + " (or --no-auth for a local experiment)");
        }
        String read = token(c, READ_TOKEN, READ_TOKEN_FILE);
        return new BearerAuth(sha256(write), read == null ? null : sha256(read), c.getBoolean(READS_REQUIRE_TOKEN));
    }

    /** A policy with these tokens ({@code readToken} may be null). */
    public static BearerAuth of(String writeToken, String readToken, boolean readsRequireToken) {
        TOKEN_RULE.ensureValid(TOKEN, writeToken);
        TOKEN_RULE.ensureValid(READ_TOKEN, readToken);
        if (writeToken == null) {
            throw new ConfigException(TOKEN, null, "a write token is required");
        }
        return new BearerAuth(sha256(writeToken), readToken == null ? null : sha256(readToken), readsRequireToken);
    }

    /** No token needed anywhere; logs one WARN line naming the service. */
    public static BearerAuth disabled(String service) {
        LOG.warn("{}: authentication is OFF (--no-auth): anyone who reaches its port can change state", service);
        return off();
    }

    /**
     * No token needed anywhere, without a log line: for a caller that has warned once for several services itself
     * ({@code ./glimpse demo --no-auth}).
     */
    public static BearerAuth off() {
        return new BearerAuth(null, null, false);
    }

    /** This policy with the reads protected too. */
    public BearerAuth withTokenRequiredForReads() {
        return new BearerAuth(writeDigest, readDigest, writeDigest != null);
    }

    public boolean enabled() {
        return writeDigest != null;
    }

    @Override
    public boolean filter(HttpCall call) {
        if (writeDigest == null) {
            return true;
        }
        boolean reading = READ_METHODS.contains(call.method());
        if (reading && !readsRequireToken || call.method().equals("OPTIONS")) {
            return true;
        }
        byte[] presented = presented(call);
        boolean write = presented != null && MessageDigest.isEqual(writeDigest, presented);
        boolean read = write || presented != null && readDigest != null && MessageDigest.isEqual(readDigest, presented);
        if (!read) {
            throw new HttpError(401, "unauthorized", (presented == null ? "missing" : "wrong")
                    + " bearer token: send Authorization: Bearer <token>", Map.of("WWW-Authenticate", "Bearer realm=\"glimpse\""));
        }
        if (!write && !reading) {
            throw new HttpError(403, "forbidden", "the read token only reads; " + call.method() + " needs the write token",
                    Map.of());
        }
        return true;
    }

    /** The SHA-256 of the bearer token in the Authorization header, or null without one. */
    private static byte[] presented(HttpCall call) {
        String header = call.header("Authorization");
        if (header == null || header.length() < 8 || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return null;
        }
        String token = header.substring(7).trim();
        return token.isEmpty() ? null : sha256(token);
    }

    /** A new random token: 32 bytes from SecureRandom, URL-safe Base64 (43 characters). */
    public static String generateToken() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** Writes {@code token} to {@code file} readable by its owner only (mode 0600 where POSIX permissions exist). */
    public static Path writeTokenFile(Path file, String token) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path tmp = Files.createTempFile(parent, ".token", ".tmp");
        try {
            if (Files.getFileStore(tmp).supportsFileAttributeView("posix")) {
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
            }
            Files.writeString(tmp, token + "\n", StandardCharsets.US_ASCII);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
        return file;
    }

    /** The token of a file: its first line, trimmed. */
    public static String readTokenFile(String key, Path file) {
        try {
            String first = Files.readAllLines(file, StandardCharsets.UTF_8).stream().findFirst().orElse("").trim();
            TOKEN_RULE.ensureValid(key, first);
            return first;
        } catch (IOException e) {
            throw new ConfigException(key, file, "cannot read the token file: " + e.getMessage());
        }
    }

    private static String token(Config c, String key, String fileKey) {
        String inline = c.getString(key);
        Path file = c.getPath(fileKey);
        if (inline != null && file != null) {
            throw new ConfigException(fileKey, file, "give the token either as " + key + " or in a file, not both");
        }
        return file != null ? readTokenFile(fileKey, file) : inline;
    }

    private static byte[] sha256(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** At least 8 printable ASCII characters without spaces; an error shows {@code ***}, never the token. */
    static final Validator TOKEN_RULE = new Validator() {
        @Override
        public void ensureValid(String key, Object value) {
            String t = (String) value;
            if (t != null && !(t.length() >= 8 && t.matches("[\\x21-\\x7e]+"))) {
                throw new ConfigException(key, "***", "expected at least 8 printable characters without spaces");
            }
        }

        @Override
        public String describe() {
            return "at least 8 printable characters, no spaces";
        }
    };
}
