package dev.glimpse.platform.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A request refused before its body was read (401, 403, 404, 503...) must leave the connection in a state the client
 * can trust: either the server has consumed the body and keeps the connection, or it says {@code Connection: close}.
 * Answering keep-alive and then dropping the connection (Jetty does so when content is left unread at completion)
 * made a client's next request on that connection fail with "header parser received no bytes".
 */
class RefusedRequestConnectionTest {

    private static final String TOKEN = "the-write-token-123";

    private static HttpServer start(AtomicInteger handled) {
        return HttpServer.builder("refusals", HttpSettings.defaults()).port(0)
                .filter(BearerAuth.of(TOKEN, null, false))
                .routes(new Routes().post("/labels", c -> {
                    handled.incrementAndGet();
                    c.sendJson(202, Map.of("bytes", c.body().length));
                })).start();
    }

    @Test
    void shouldServeAGoodPostAfterTwoRefusedPostsOnTheSameClientEveryTime() throws Exception {
        // Given one client (one kept-alive connection pool) and a body large enough to arrive after the headers
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        AtomicInteger handled = new AtomicInteger();
        byte[] body = new byte[4096];
        Arrays.fill(body, (byte) '7');
        try (HttpServer server = start(handled)) {
            int rounds = 100;
            for (int i = 0; i < rounds; i++) {
                // When a POST without a token, one with a wrong token and one with the right token follow each other
                int none = post(client, server, body, null);
                int wrong = post(client, server, body, "not-the-token");
                int right = post(client, server, body, TOKEN);
                // Then each gets its answer: no request fails on a connection the server dropped after keep-alive
                assertEquals(401, none, "round " + i);
                assertEquals(401, wrong, "round " + i);
                assertEquals(202, right, "round " + i);
            }
            assertEquals(rounds, handled.get(), "only the authorised posts reached the handler");
        }
    }

    @Test
    void shouldServeAGoodPostAfterRefusedPostsWhoseBodiesArriveLate() throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        AtomicInteger handled = new AtomicInteger();
        try (HttpServer server = start(handled)) {
            for (int i = 0; i < 30; i++) {
                // Given refused posts whose bodies reach the server only after it has answered
                assertEquals(401, post(client, server, late(2048), null), "round " + i);
                assertEquals(401, post(client, server, late(2048), "not-the-token"), "round " + i);
                // Then the next post on the same client is still served
                assertEquals(202, post(client, server, late(2048), TOKEN), "round " + i);
            }
            assertEquals(30, handled.get());
        }
    }

    @Test
    void shouldSayConnectionCloseWhenItRefusesBeforeTheBodyHasArrived() throws Exception {
        AtomicInteger handled = new AtomicInteger();
        try (HttpServer server = start(handled); Socket socket = new Socket("127.0.0.1", server.port())) {
            socket.setSoTimeout(10_000);
            // Given a POST whose headers announce 5,000 bytes that the client has not sent yet
            OutputStream out = socket.getOutputStream();
            out.write("POST /labels HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5000\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            // When the server refuses it (no token)
            InputStream in = socket.getInputStream();
            Map<String, String> head = readHead(in);
            // Then the answer says the connection ends, and it does: the client cannot mistake it for a kept one
            assertEquals("HTTP/1.1 401 Unauthorized", head.get(""));
            assertEquals("close", head.getOrDefault("connection", "(none)"), "headers: " + head);
            assertTrue(HttpServerTest.drainsToEnd(in), "the server closed the connection");
            assertEquals(0, handled.get());
        }
    }

    @Test
    void shouldKeepTheConnectionWhenTheRefusedBodyHadArrivedInFull() throws Exception {
        AtomicInteger handled = new AtomicInteger();
        try (HttpServer server = start(handled); Socket socket = new Socket("127.0.0.1", server.port())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            for (int i = 0; i < 20; i++) {
                // Given a refused POST whose small body came in the same write as its headers
                out.write(("POST /labels HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 10\r\n\r\n0123456789")
                        .getBytes(StandardCharsets.US_ASCII));
                out.flush();
                Map<String, String> refused = readHead(in);
                assertEquals("HTTP/1.1 401 Unauthorized", refused.get(""));
                in.readNBytes(Integer.parseInt(refused.get("content-length")));
                // (one write of 80 bytes reaches the server in one read on loopback: the body is there to consume)
                assertEquals("(none)", refused.getOrDefault("connection", "(none)"), "round " + i);
                // Then a kept connection really is kept: the next request on it is answered
                out.write(("POST /labels HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + TOKEN
                        + "\r\nContent-Length: 3\r\n\r\nabc").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                Map<String, String> accepted = readHead(in);
                assertEquals("HTTP/1.1 202 Accepted", accepted.get(""), "round " + i);
                assertEquals("{\"bytes\":3}", new String(in.readNBytes(Integer.parseInt(accepted.get("content-length"))),
                        StandardCharsets.US_ASCII));
            }
            assertEquals(20, handled.get());
        }
    }

    private static int post(HttpClient client, HttpServer server, byte[] body, String token) throws Exception {
        return post(client, server, HttpRequest.BodyPublishers.ofByteArray(body), token);
    }

    /** A body of {@code length} bytes whose first byte leaves the client 20 ms after the headers. */
    private static HttpRequest.BodyPublisher late(int length) {
        return HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofInputStream(() -> {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return new java.io.ByteArrayInputStream(new byte[length]);
        }), length);
    }

    private static int post(HttpClient client, HttpServer server, HttpRequest.BodyPublisher body, String token)
            throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(server.uri().resolve("/labels"))
                .header("Content-Type", "application/json").POST(body);
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    /** The status line (under "") and the headers (lower-case names) of one response. */
    private static Map<String, String> readHead(InputStream in) throws IOException {
        Map<String, String> head = new java.util.HashMap<>();
        head.put("", HttpServerTest.readLine(in));
        while (true) {
            String line = HttpServerTest.readLine(in);
            if (line.isEmpty()) {
                return head;
            }
            int colon = line.indexOf(':');
            head.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
        }
    }
}
