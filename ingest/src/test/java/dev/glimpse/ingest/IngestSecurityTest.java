package dev.glimpse.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glimpse.contracts.TopicCatalog;
import dev.glimpse.contracts.events.DeadLetter;
import dev.glimpse.contracts.events.ImageEvent;
import dev.glimpse.platform.metrics.MetricsServer;
import dev.glimpse.platform.testing.KafkaBrokerExtension;
import dev.glimpse.platform.testing.KafkaTestContext;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Hostile requests to ingest (issue 15): every way around the bearer token, cross-site requests, Host spoofing and a
 * 10,000-part form are refused; nothing of theirs reaches the images topic, and a good upload after them is stored.
 */
@ExtendWith(KafkaBrokerExtension.class)
class IngestSecurityTest {

    private final HttpClient http = HttpClient.newHttpClient();

    private int post(URI uri, Map<String, String> headers, String contentType, byte[] body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        headers.forEach(b::header);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    @Test
    void shouldRefuseEveryWayAroundTheBearerToken(KafkaTestContext kafka) throws Exception {
        try (IngestService service = IngestServiceTest.start(kafka, MetricsServer.newRegistry("ingest"), Map.of())) {
            URI images = service.httpUri().orElseThrow().resolve("/v1/images");
            byte[] png = ImageSamples.rgbPng();
            String token = IngestServiceTest.TOKEN;
            // Given requests that carry no valid bearer token in the Authorization header
            assertEquals(401, post(images, Map.of(), "image/png", png), "missing");
            assertEquals(401, post(images, Map.of("Authorization", "Bearer wrong-token-1234"), "image/png", png), "wrong");
            assertEquals(401, post(images, Map.of("Authorization", "Bearer " + token + "x"), "image/png", png), "token + 1 char");
            assertEquals(401, post(images, Map.of("Authorization", "Bearer " + token.substring(1)), "image/png", png), "prefix");
            assertEquals(401, post(images, Map.of("Authorization", "Basic " + Base64.getEncoder().encodeToString(
                    (token + ":" + token).getBytes(StandardCharsets.UTF_8))), "image/png", png), "Basic");
            assertEquals(401, post(images, Map.of("Authorization", "Basic " + token), "image/png", png), "Basic with the token");
            assertEquals(401, post(images, Map.of("Authorization", "bearer wrong-token-1234"), "image/png", png), "lowercase, wrong");
            assertEquals(401, post(images, Map.of("Authorization", token), "image/png", png), "no scheme");
            assertEquals(401, post(images, Map.of("Authorization", "Bearer "), "image/png", png), "empty token");
            assertEquals(401, post(URI.create(images + "?token=" + token), Map.of(), "image/png", png), "token in query");
            assertEquals(401, post(URI.create(images + "?access_token=" + token), Map.of(), "image/png", png), "access_token");
            assertEquals(401, post(service.httpUri().orElseThrow().resolve("/v1/labels"), Map.of(), "application/json",
                    "{\"imageId\":\"x\",\"label\":1}".getBytes(StandardCharsets.UTF_8)), "labels too");
            // the scheme is case-insensitive (RFC 7235): the right token with "bearer" is the right token
            assertEquals(201, post(images, Map.of("Authorization", "bearer " + token), "image/png", png), "lowercase, right");

            // Then only that one image reached the topic
            List<ConsumerRecord<String, ImageEvent>> stored = kafka.consume(new TopicCatalog(kafka.topicPrefix(),
                    TopicCatalog.DEFAULT_PARTITIONS).images(), 1, Duration.ofSeconds(20));
            assertEquals(1, stored.size());
        }
    }

    @Test
    void shouldRefuseCrossSiteRequestsAndSpoofedHosts(KafkaTestContext kafka) throws Exception {
        try (IngestService service = IngestServiceTest.start(kafka, MetricsServer.newRegistry("ingest"), Map.of())) {
            URI labels = service.httpUri().orElseThrow().resolve("/v1/labels");
            Map<String, String> auth = Map.of("Authorization", "Bearer " + IngestServiceTest.TOKEN);
            // a page on another site posting JSON as text/plain (a "simple" request that needs no preflight)
            assertEquals(403, post(labels, Map.of("Origin", "http://evil.example"), "text/plain",
                    "{\"imageId\":\"img-1\",\"label\":1}".getBytes(StandardCharsets.UTF_8)), "foreign origin, no token");
            assertEquals(403, post(labels, with(auth, "Origin", "http://evil.example"), "application/json",
                    "{\"imageId\":\"img-1\",\"label\":1}".getBytes(StandardCharsets.UTF_8)), "foreign origin, even with a token");
            assertEquals(403, post(labels, with(auth, "Origin", "null"), "application/json",
                    "{\"imageId\":\"img-1\",\"label\":1}".getBytes(StandardCharsets.UTF_8)), "sandboxed page");
            assertEquals(201, post(labels, with(auth, "Origin", IngestServiceTest.CONSOLE_ORIGIN), "application/json",
                    "{\"imageId\":\"img-1\",\"label\":1}".getBytes(StandardCharsets.UTF_8)), "the allow-listed console");

            // a DNS-rebinding page: right address, foreign Host name (raw socket: the JDK client will not send Host)
            assertEquals(403, statusWithHost(service.httpUri().orElseThrow(), "evil.example:" + labels.getPort()));
            assertEquals(403, statusWithHost(service.httpUri().orElseThrow(), "127.0.0.1.evil.example"));
            assertEquals(201, statusWithHost(service.httpUri().orElseThrow(), "localhost:" + labels.getPort()));
        }
    }

    @Test
    void shouldRefuseATenThousandPartFormWithADeadLetter(KafkaTestContext kafka) throws Exception {
        // a byte limit the form fits in (about 600 KB): the part count, not the size, refuses it
        try (IngestService service = IngestServiceTest.start(kafka, MetricsServer.newRegistry("ingest"),
                Map.of(IngestConfig.MAX_BYTES, "8MiB"))) {
            URI images = service.httpUri().orElseThrow().resolve("/v1/images");
            String boundary = "----hostile";
            ByteArrayOutputStream form = new ByteArrayOutputStream();
            for (int i = 0; i < 10_000; i++) {
                form.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"f" + i + "\"\r\n\r\nx\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
            }
            form.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\n"
                    + "Content-Type: image/png\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            form.writeBytes(ImageSamples.rgbPng());
            form.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII));
            long start = System.nanoTime();
            int status = post(images, Map.of("Authorization", "Bearer " + IngestServiceTest.TOKEN),
                    "multipart/form-data; boundary=" + boundary, form.toByteArray());
            long ms = (System.nanoTime() - start) / 1_000_000;
            assertEquals(400, status);
            assertTrue(ms < 5_000, "refused in " + ms + " ms");
            List<ConsumerRecord<String, DeadLetter>> dead = kafka.consume(new TopicCatalog(kafka.topicPrefix(),
                    TopicCatalog.DEFAULT_PARTITIONS).deadletter(), 1, Duration.ofSeconds(20));
            assertTrue(dead.get(0).value().getDetail().contains("more than 100 parts"), dead.get(0).value().getDetail());
            // and the service is still up for a good upload
            assertEquals(201, post(images, Map.of("Authorization", "Bearer " + IngestServiceTest.TOKEN), "image/png",
                    ImageSamples.rgbPng()));
        }
    }

    private static Map<String, String> with(Map<String, String> headers, String name, String value) {
        java.util.HashMap<String, String> all = new java.util.HashMap<>(headers);
        all.put(name, value);
        return all;
    }

    /** POSTs a label over a raw socket with the given Host header; returns the status code. */
    private static int statusWithHost(URI base, String host) throws Exception {
        byte[] body = "{\"imageId\":\"img-9\",\"label\":2}".getBytes(StandardCharsets.UTF_8);
        try (Socket s = new Socket(base.getHost(), base.getPort())) {
            s.setSoTimeout(20_000);
            OutputStream out = s.getOutputStream();
            out.write(("POST /v1/labels HTTP/1.1\r\nHost: " + host + "\r\nAuthorization: Bearer " + IngestServiceTest.TOKEN
                    + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
            InputStream in = s.getInputStream();
            String statusLine = new String(in.readNBytes(12), StandardCharsets.US_ASCII);
            return Integer.parseInt(statusLine.substring(9, 12));
        }
    }
}
