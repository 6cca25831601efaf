package dev.glimpse.platform.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glimpse.platform.config.ConfigDefinition;
import dev.glimpse.platform.config.ConfigException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The one bearer-token policy over real HTTP: write vs read token, reads open or protected, and every bypass. */
class BearerAuthTest {

    private static final String WRITE = "write-token-0123456789";
    private static final String READ = "read-token-0123456789";
    private final HttpClient http = HttpClient.newHttpClient();

    @TempDir
    Path dir;

    private int call(URI base, String method, String path, String authorization) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).method(method, HttpRequest.BodyPublishers.noBody());
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private static HttpServer serve(BearerAuth auth) {
        return HttpServer.builder("auth", HttpSettings.defaults()).port(0).filter(auth)
                .routes(new Routes().get("/r", c -> c.sendEmpty(204)).post("/w", c -> c.sendEmpty(204))).start();
    }

    @Test
    void shouldLetReadsThroughAndRequireTheWriteTokenForChanges() throws Exception {
        try (HttpServer server = serve(BearerAuth.of(WRITE, READ, false))) {
            URI u = server.uri();
            assertEquals(204, call(u, "GET", "/r", null), "reads stay open");
            assertEquals(204, call(u, "POST", "/w", "Bearer " + WRITE));
            assertEquals(204, call(u, "POST", "/w", "BEARER " + WRITE), "the scheme is case-insensitive");
            assertEquals(403, call(u, "POST", "/w", "Bearer " + READ), "the read token only reads");
            for (String bad : new String[] {null, "", "Bearer", "Bearer ", "Bearer " + WRITE.toUpperCase(),
                    "Basic " + WRITE, WRITE, "Token " + WRITE, "Bearer " + WRITE.substring(0, 8)}) {
                assertEquals(401, call(u, "POST", "/w", bad), "Authorization: " + bad);
            }
            assertEquals(401, call(u, "POST", "/w?access_token=" + WRITE, null), "query strings carry no token");
        }
    }

    @Test
    void shouldProtectReadsWhenAsked() throws Exception {
        try (HttpServer server = serve(BearerAuth.of(WRITE, READ, false).withTokenRequiredForReads())) {
            assertEquals(401, call(server.uri(), "GET", "/r", null));
            assertEquals(204, call(server.uri(), "GET", "/r", "Bearer " + READ));
            assertEquals(204, call(server.uri(), "GET", "/r", "Bearer " + WRITE));
        }
    }

    @Test
    void shouldRefuseToStartWithoutATokenUnlessDisabled() {
        ConfigDefinition d = BearerAuth.definition();
        ConfigException e = assertThrows(ConfigException.class, () -> BearerAuth.from(d.defaults(), "ingest"));
        assertTrue(e.getMessage().contains("--token-file") && e.getMessage().contains("GLIMPSE_TOKEN"), e.getMessage());
        assertFalse(BearerAuth.from(d.parse(Map.of(BearerAuth.ENABLED, "false")), "ingest").enabled());
        ConfigException shortToken = assertThrows(ConfigException.class, () -> d.parse(Map.of(BearerAuth.TOKEN, "abc")));
        assertFalse(shortToken.getMessage().contains("abc"), "a token is never quoted: " + shortToken.getMessage());
    }

    @Test
    void shouldWriteAGeneratedTokenReadableByItsOwnerOnlyAndReadItBack() throws Exception {
        String token = BearerAuth.generateToken();
        assertEquals(43, token.length(), "32 random bytes, URL-safe Base64");
        Path file = BearerAuth.writeTokenFile(dir.resolve("data/token"), token);
        if (Files.getFileStore(file).supportsFileAttributeView("posix")) {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        }
        assertEquals(token, BearerAuth.readTokenFile(BearerAuth.TOKEN_FILE, file));
        assertTrue(BearerAuth.from(BearerAuth.definition().parse(Map.of(BearerAuth.TOKEN_FILE, file.toString())), "t").enabled());
    }
}
