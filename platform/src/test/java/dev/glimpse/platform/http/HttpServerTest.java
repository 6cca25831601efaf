package dev.glimpse.platform.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The platform HTTP server over real sockets on ephemeral ports: routing, limits, timeouts, shutdown. */
class HttpServerTest {

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private static HttpServer start(HttpSettings settings, Routes routes) {
        return HttpServer.builder("test", settings).port(0).routes(routes).start();
    }

    private HttpResponse<String> get(URI uri) throws Exception {
        return client.send(HttpRequest.newBuilder(uri).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void shouldRouteByMethodAndPatternWithPathParameters() throws Exception {
        Routes routes = new Routes()
                .get("/v1/predictions/{id}", c -> c.sendJson(200, Map.of("id", c.pathParam("id"), "wait", String.valueOf(c.query("wait")))))
                .get("/artifacts/{rest...}", c -> c.sendText(200, "text/plain", c.pathParam("rest")))
                .post("/v1/images", c -> c.sendJson(201, Map.of("bytes", c.body().length)));
        try (HttpServer server = start(HttpSettings.defaults(), routes)) {
            assertEquals("http://127.0.0.1:" + server.port(), server.boundAddress(), "loopback by default");
            HttpResponse<String> r = get(server.uri().resolve("/v1/predictions/img%201?wait=50"));
            assertEquals(200, r.statusCode());
            assertEquals("{\"id\":\"img 1\",\"wait\":\"50\"}".length(), r.body().length());
            assertTrue(r.body().contains("\"id\":\"img 1\"") && r.body().contains("\"wait\":\"50\""), r.body());
            assertEquals("a/b.png", get(server.uri().resolve("/artifacts/a/b.png")).body());

            HttpResponse<String> wrongMethod = get(server.uri().resolve("/v1/images"));
            assertEquals(405, wrongMethod.statusCode(), "the path exists, only for POST");
            assertEquals("POST", wrongMethod.headers().firstValue("Allow").orElse(""));
            assertEquals(404, get(server.uri().resolve("/nothing")).statusCode());
            assertEquals(404, get(server.uri().resolve("/v1/predictions/")).statusCode(), "an empty {id} does not match");

            HttpResponse<String> post = client.send(HttpRequest.newBuilder(server.uri().resolve("/v1/images"))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[1000])).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(201, post.statusCode());
            assertEquals("{\"bytes\":1000}", post.body());
        }
    }

    @Test
    void shouldAnswerFromTheFilterBeforeRoutingAndBeforeReadingTheBody() throws Exception {
        AtomicInteger handled = new AtomicInteger();
        RequestFilter filter = c -> {
            if (c.header("X-Key") == null) {
                throw new HttpError(401, "unauthorized", "no key", Map.of("WWW-Authenticate", "Bearer"));
            }
            return true;
        };
        try (HttpServer server = HttpServer.builder("test", HttpSettings.defaults()).port(0).filter(filter)
                .routes(new Routes().post("/x", c -> {
                    handled.incrementAndGet();
                    c.sendEmpty(204);
                })).start()) {
            HttpResponse<String> refused = client.send(HttpRequest.newBuilder(server.uri().resolve("/x"))
                    .POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(401, refused.statusCode());
            assertEquals("{\"error\":\"no key\"}", refused.body());
            assertEquals("Bearer", refused.headers().firstValue("WWW-Authenticate").orElse(""));
            assertEquals(0, handled.get());
            HttpResponse<String> ok = client.send(HttpRequest.newBuilder(server.uri().resolve("/x")).header("X-Key", "k")
                    .POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(204, ok.statusCode());
            assertEquals(1, handled.get());
        }
    }

    @Test
    void shouldRefuseAnOversizeHeaderWith431() throws Exception {
        try (HttpServer server = start(HttpSettings.of(Map.of(HttpSettings.HEADER_MAX, "4KiB")),
                new Routes().get("/", c -> c.sendText(200, "text/plain", "ok")))) {
            assertEquals(200, get(server.uri()).statusCode());
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(server.uri()).header("X-Big", "a".repeat(8000))
                    .GET().build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(431, r.statusCode());
        }
    }

    @Test
    void shouldRefuseAnOversizeChunkedBodyWhileReadingIt() throws Exception {
        AtomicInteger handled = new AtomicInteger();
        AtomicInteger firstBytesSeen = new AtomicInteger(-1);
        Routes routes = new Routes().post("/upload", c -> {
            handled.incrementAndGet();
            c.sendEmpty(204);
        }, r -> r.maxBody(64 * 1024).onTooLarge((c, first, limit) -> {
            firstBytesSeen.set(first.length);
            throw new HttpError(413, "too big");
        }));
        try (HttpServer server = start(HttpSettings.defaults(), routes);
             Socket socket = new Socket("127.0.0.1", server.port())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n"
                    + "Content-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            byte[] chunk = new byte[16 * 1024];
            // 96 KiB of a body that never ends: the answer must come while the client is still sending
            for (int i = 0; i < 6; i++) {
                out.write((Integer.toHexString(chunk.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(chunk);
                out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
            }
            String status = readLine(socket.getInputStream());
            assertEquals("HTTP/1.1 413 Payload Too Large", status);
            assertEquals(0, handled.get(), "the handler never ran");
            assertEquals(64 * 1024 + 1, firstBytesSeen.get(), "reading stopped one byte past the limit");
            // the server closes the connection instead of draining the rest of the body
            assertTrue(drainsToEnd(socket.getInputStream()), "the connection is closed after the 413");
        }
    }

    @Test
    void shouldRefuseADeclaredOversizeBodyBeforeReadingIt() throws Exception {
        try (HttpServer server = start(HttpSettings.of(Map.of(HttpSettings.BODY_MAX, "1KiB")),
                new Routes().post("/x", c -> c.sendEmpty(204)));
             Socket socket = new Socket("127.0.0.1", server.port())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(("POST /x HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000000000\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            assertEquals("HTTP/1.1 413 Payload Too Large", readLine(socket.getInputStream()));
        }
    }

    @Test
    void shouldCloseAnIdleConnectionAfterTheIdleTimeout() throws Exception {
        try (HttpServer server = start(HttpSettings.of(Map.of(HttpSettings.IDLE_TIMEOUT, "500ms")),
                new Routes().get("/", c -> c.sendText(200, "text/plain", "ok")));
             Socket socket = new Socket("127.0.0.1", server.port())) {
            socket.setSoTimeout(10_000);
            long start = System.nanoTime();
            socket.getOutputStream().write("GET / HTTP/1.1\r\nHost: 127".getBytes(StandardCharsets.US_ASCII)); // and then nothing
            assertTrue(drainsToEnd(socket.getInputStream()), "the server closed the connection");
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(ms >= 400 && ms < 5_000, "closed after " + ms + " ms, expected about 500 ms");
        }
    }

    @Test
    void shouldRefuseRequestsBeyondTheConcurrencyLimitOfARouteWith503() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch entered = new CountDownLatch(2);
        Routes routes = new Routes().get("/slow", c -> {
            entered.countDown();
            release.await(10, TimeUnit.SECONDS);
            c.sendText(200, "text/plain", "done");
        }).get("/other", c -> c.sendText(200, "text/plain", "other"));
        try (HttpServer server = start(HttpSettings.of(Map.of(HttpSettings.CONCURRENT_MAX, 2)), routes)) {
            List<CompletableFuture<HttpResponse<String>>> slow = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                slow.add(client.sendAsync(HttpRequest.newBuilder(server.uri().resolve("/slow")).build(),
                        HttpResponse.BodyHandlers.ofString()));
            }
            assertTrue(entered.await(10, TimeUnit.SECONDS));
            HttpResponse<String> third = get(server.uri().resolve("/slow"));
            assertEquals(503, third.statusCode());
            assertEquals("1", third.headers().firstValue("Retry-After").orElse(""));
            assertEquals(200, get(server.uri().resolve("/other")).statusCode(), "the limit is per route");
            release.countDown();
            for (CompletableFuture<HttpResponse<String>> f : slow) {
                assertEquals(200, f.get(10, TimeUnit.SECONDS).statusCode());
            }
            assertEquals(200, get(server.uri().resolve("/slow")).statusCode(), "permits come back");
        }
    }

    @Test
    void shouldLetAnInFlightUploadFinishOnGracefulShutdown() throws Exception {
        CountDownLatch bodyStarted = new CountDownLatch(1);
        HttpServer server = start(HttpSettings.defaults(),
                new Routes().post("/upload", c -> c.sendText(201, "text/plain", "got " + c.body().length)));
        int port = server.port();
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write("POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2000\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.write(new byte[1000]);
            out.flush();
            Thread.sleep(200); // the request is in the server, half of its body read
            CompletableFuture<Void> stopping = CompletableFuture.runAsync(server::close);
            bodyStarted.countDown();
            // new connections are refused while the upload in flight continues
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5))
                    .until(() -> refusesConnections(port));
            out.write(new byte[1000]);
            out.flush();
            String status = readLine(socket.getInputStream());
            assertEquals("HTTP/1.1 201 Created", status);
            String rest = new String(socket.getInputStream().readNBytes(200), StandardCharsets.US_ASCII);
            assertTrue(rest.contains("got 2000"), rest);
            stopping.get(10, TimeUnit.SECONDS);
        } finally {
            server.close();
        }
    }

    @Test
    void shouldStreamAResponseUntilTheHandlerClosesIt() throws Exception {
        CountDownLatch opened = new CountDownLatch(1);
        OutputStream[] stream = new OutputStream[1];
        Routes routes = new Routes().get("/events", c -> {
            stream[0] = c.openStream(200, "text/event-stream");
            stream[0].write(": connected\n\n".getBytes(StandardCharsets.UTF_8));
            stream[0].flush();
            opened.countDown();
        });
        try (HttpServer server = start(HttpSettings.defaults(), routes);
             Socket socket = new Socket("127.0.0.1", server.port())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write("GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            InputStream in = socket.getInputStream();
            assertEquals("HTTP/1.1 200 OK", readLine(in));
            assertTrue(opened.await(5, TimeUnit.SECONDS));
            assertTrue(readUntil(in, ": connected"), "the first frame arrives before the stream ends");
            stream[0].write("data: later\n\n".getBytes(StandardCharsets.UTF_8));
            stream[0].flush();
            assertTrue(readUntil(in, "data: later"), "a frame written after the handler returned arrives");
            stream[0].close();
        }
    }

    @Test
    void shouldRefuseAPortAlreadyTakenNamingTheAddress() {
        try (HttpServer first = start(HttpSettings.defaults(), new Routes())) {
            Exception e = assertThrows(java.io.UncheckedIOException.class, () -> HttpServer.builder("second",
                    HttpSettings.defaults()).port(first.port()).start());
            assertTrue(e.getMessage().contains("127.0.0.1:" + first.port()), e.getMessage());
        }
    }

    private static boolean refusesConnections(int port) {
        try (Socket s = new Socket("127.0.0.1", port)) {
            return false;
        } catch (ConnectException e) {
            return true;
        } catch (IOException e) {
            return true;
        }
    }

    static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0 && b != '\n') {
            if (b != '\r') {
                line.write(b);
            }
        }
        return line.toString(StandardCharsets.US_ASCII);
    }

    private static boolean readUntil(InputStream in, String marker) throws IOException {
        StringBuilder seen = new StringBuilder();
        int b;
        while ((b = in.read()) >= 0) {
            seen.append((char) b);
            if (seen.indexOf(marker) >= 0) {
                return true;
            }
        }
        return false;
    }

    /** Reads until the server closes (true) — a reset counts as closed too. */
    static boolean drainsToEnd(InputStream in) {
        try {
            byte[] buffer = new byte[8192];
            while (in.read(buffer) >= 0) {
                // discard
            }
            return true;
        } catch (java.net.SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }
}
