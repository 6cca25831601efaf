package dev.glimpse.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glimpse.platform.metrics.MetricsServer;
import dev.glimpse.platform.testing.KafkaBrokerExtension;
import dev.glimpse.platform.testing.KafkaTestContext;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Issue 15 item 1: four slow clients used to take ingest offline (4 threads, no read timeout). Now 32 connections
 * trickling a chunked upload at 1 byte/s hold no worker thread, and good uploads next to them stay fast.
 */
@ExtendWith(KafkaBrokerExtension.class)
class IngestSlowClientTest {

    private static final int SLOW_CONNECTIONS = 32;
    private static final int GOOD_UPLOADS = 20;

    @Test
    void shouldServeGoodUploadsInUnderOneSecondWhile32ClientsTrickleOneBytePerSecond(KafkaTestContext kafka) throws Exception {
        try (IngestService service = IngestServiceTest.start(kafka, MetricsServer.newRegistry("ingest"), Map.of())) {
            URI images = service.httpUri().orElseThrow().resolve("/v1/images");
            HttpClient http = HttpClient.newHttpClient();
            byte[] png = ImageSamples.rgbPng();
            // warm-up: the first upload pays for class loading and the producer's first metadata fetch
            assertEquals(201, post(http, images, png).statusCode());

            // Given 32 connections each sending an endless chunked upload, 1 byte per second
            List<Socket> slow = new ArrayList<>();
            AtomicInteger trickled = new AtomicInteger();
            AtomicInteger writeFailures = new AtomicInteger();
            ScheduledExecutorService trickle = Executors.newSingleThreadScheduledExecutor();
            try {
                for (int i = 0; i < SLOW_CONNECTIONS; i++) {
                    Socket s = new Socket(images.getHost(), images.getPort());
                    s.getOutputStream().write(("POST /v1/images HTTP/1.1\r\nHost: " + images.getAuthority()
                            + "\r\nContent-Type: image/png\r\nTransfer-Encoding: chunked\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                    s.getOutputStream().flush();
                    slow.add(s);
                }
                trickle.scheduleAtFixedRate(() -> {
                    for (Socket s : slow) {
                        try {
                            OutputStream out = s.getOutputStream();
                            out.write("1\r\nx\r\n".getBytes(StandardCharsets.US_ASCII)); // one byte of body
                            out.flush();
                            trickled.incrementAndGet();
                        } catch (IOException e) {
                            writeFailures.incrementAndGet();
                        }
                    }
                }, 0, 1, TimeUnit.SECONDS);

                // When 20 good uploads are made one after the other
                List<Long> millis = new ArrayList<>();
                for (int i = 0; i < GOOD_UPLOADS; i++) {
                    long start = System.nanoTime();
                    HttpResponse<String> r = post(http, images, png);
                    millis.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
                    assertEquals(201, r.statusCode(), r.body());
                }

                // Then each completed in under a second, and the slow uploads were still going on meanwhile
                long worst = millis.stream().mapToLong(Long::longValue).max().orElseThrow();
                System.out.printf("ingest under %d slow connections: %d good uploads, worst %d ms, all %s%n",
                        SLOW_CONNECTIONS, GOOD_UPLOADS, worst, millis);
                assertTrue(worst < 1000, "worst good upload took " + worst + " ms: " + millis);
                assertEquals(0, writeFailures.get(), "the slow connections stayed open while the good uploads ran");
                assertTrue(trickled.get() >= SLOW_CONNECTIONS, "every slow connection sent at least one byte");
            } finally {
                trickle.shutdownNow();
                for (Socket s : slow) {
                    s.close();
                }
            }
        }
    }

    private static HttpResponse<String> post(HttpClient http, URI uri, byte[] body) throws Exception {
        return http.send(HttpRequest.newBuilder(uri).header("Content-Type", "image/png")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
