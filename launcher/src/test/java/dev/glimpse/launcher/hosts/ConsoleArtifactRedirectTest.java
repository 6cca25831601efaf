package dev.glimpse.launcher.hosts;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glimpse.console.ConsoleServer;
import dev.glimpse.platform.http.BearerAuth;
import dev.glimpse.platform.testing.KafkaBrokerExtension;
import dev.glimpse.platform.testing.KafkaTestContext;
import dev.glimpse.registry.artifacts.ArtifactId;
import dev.glimpse.registry.artifacts.ArtifactStore;
import dev.glimpse.registry.objectstore.S3ObjectStore;
import dev.glimpse.registry.testing.InProcessS3;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code store.s3.presign.expiry}: a console that does not hold an artifact answers 307 to a presigned GET URL of the
 * bucket's copy (s3proxy in this JVM, SigV4 query signatures) instead of streaming it; only after its auth filter.
 */
@ExtendWith(KafkaBrokerExtension.class)
class ConsoleArtifactRedirectTest {

    private static final String WRITE = "redirect-write-token";
    private static final String READ = "redirect-read-token";

    @TempDir
    Path workerDir;
    @TempDir
    Path consoleDir;
    @TempDir
    Path s3Dir;

    @Test
    void shouldRedirectAnAuthorisedReaderToAPresignedUrlThatReturnsTheSameBytes(KafkaTestContext kafka) throws Exception {
        HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
        try (InProcessS3 s3 = new InProcessS3(s3Dir, "glimpse-redirect");
             S3ObjectStore workerSide = new S3ObjectStore(s3.settings("prod"));
             S3ObjectStore consoleSide = new S3ObjectStore(s3.settings("prod"), Duration.ofMinutes(5))) {
            // Given a heatmap an explain worker on another host put into the bucket
            byte[] png = png();
            ArtifactId heatmap = new ArtifactStore(workerDir, ArtifactStore.Limits.defaults(), workerSide).put(png, "png");
            // and a console over an empty directory of its own whose reads need the read token, redirecting to the bucket
            ArtifactStore consoleStore = new ArtifactStore(consoleDir, ArtifactStore.Limits.defaults(), consoleSide);
            ConsoleServer console = ConsoleServer.create(kafka.bootstrapServers(), kafka.catalog(), null, consoleStore, 0,
                    null, BearerAuth.of(WRITE, READ, true), new SimpleMeterRegistry());
            console.start();
            try {
                URI artifact = URI.create(console.url() + "artifacts/" + heatmap.id());

                // When the artifact is asked for without a token; Then it is refused before any redirect
                HttpResponse<byte[]> anonymous = http.send(HttpRequest.newBuilder(artifact).build(),
                        HttpResponse.BodyHandlers.ofByteArray());
                assertEquals(401, anonymous.statusCode());
                assertEquals(Optional.empty(), anonymous.headers().firstValue("Location"), "no signed URL for a stranger");

                // When it is asked for with the read token
                HttpResponse<byte[]> redirect = http.send(HttpRequest.newBuilder(artifact)
                        .header("Authorization", "Bearer " + READ).build(), HttpResponse.BodyHandlers.ofByteArray());

                // Then the answer is a 307 to a SigV4-presigned URL of the object on the S3 server, not cached
                assertEquals(307, redirect.statusCode());
                String location = redirect.headers().firstValue("Location").orElseThrow();
                assertTrue(location.startsWith(s3.endpoint() + "/glimpse-redirect/prod/artifacts/" + heatmap.id() + "?"), location);
                assertTrue(location.contains("X-Amz-Signature=") && location.contains("X-Amz-Expires=300"), location);
                assertEquals("no-store", redirect.headers().firstValue("Cache-Control").orElse(""));
                // and the console's pages may show images from that origin (its CSP names it)
                assertTrue(redirect.headers().firstValue("Content-Security-Policy").orElse("")
                        .contains("img-src 'self' data: " + s3.endpoint()), redirect.headers().toString());

                // and following it, without any credentials, gives the bytes the worker stored
                HttpResponse<byte[]> followed = http.send(HttpRequest.newBuilder(URI.create(location)).build(),
                        HttpResponse.BodyHandlers.ofByteArray());
                assertEquals(200, followed.statusCode(), new String(followed.body()));
                assertArrayEquals(png, followed.body());
                assertEquals(0, consoleStore.count(), "the console fetched and kept nothing itself");

                // and an artifact the bucket does not have is a 404, not a redirect to nothing
                String missing = "0".repeat(64) + ".png";
                HttpResponse<byte[]> absent = http.send(HttpRequest.newBuilder(URI.create(console.url() + "artifacts/" + missing))
                        .header("Authorization", "Bearer " + READ).build(), HttpResponse.BodyHandlers.ofByteArray());
                assertEquals(404, absent.statusCode());
            } finally {
                console.close();
            }
        }
    }

    private static byte[] png() throws Exception {
        BufferedImage image = new BufferedImage(16, 16, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 16; y++) {
            for (int x = 0; x < 16; x++) {
                image.setRGB(x, y, (x * 16) << 16 | (y * 16) << 8 | 0x40);
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image, "png", out);
        return out.toByteArray();
    }
}
