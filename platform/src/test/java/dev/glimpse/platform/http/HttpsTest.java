package dev.glimpse.platform.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glimpse.platform.config.ConfigException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.util.Base64;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** HTTPS with a self-signed certificate made in the test by the JDK's keytool: from a PKCS12 keystore and from PEM. */
class HttpsTest {

    private static final String PASSWORD = "test-pass";

    @TempDir
    static Path dir;
    static Path keystore;
    static Path certPem;
    static Path keyPem;
    static SSLContext trusting;

    @BeforeAll
    static void selfSignedCertificate() throws Exception {
        keystore = dir.resolve("server.p12");
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        Process p = new ProcessBuilder(keytool.toString(), "-genkeypair", "-alias", "glimpse", "-keyalg", "EC",
                "-groupname", "secp256r1", "-dname", "CN=localhost", "-ext", "san=ip:127.0.0.1,dns:localhost",
                "-validity", "2", "-storetype", "PKCS12", "-keystore", keystore.toString(), "-storepass", PASSWORD,
                "-keypass", PASSWORD).redirectErrorStream(true).start();
        String output;
        try (InputStream in = p.getInputStream()) {
            output = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, "keytool failed: " + output);

        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keystore)) {
            store.load(in, PASSWORD.toCharArray());
        }
        Certificate cert = store.getCertificate("glimpse");
        PrivateKey key = (PrivateKey) store.getKey("glimpse", PASSWORD.toCharArray());
        certPem = Files.writeString(dir.resolve("cert.pem"), pem("CERTIFICATE", cert.getEncoded()));
        keyPem = Files.writeString(dir.resolve("key.pem"), pem("PRIVATE KEY", key.getEncoded()));

        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("glimpse", cert);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        trusting = SSLContext.getInstance("TLS");
        trusting.init(null, tmf.getTrustManagers(), null);
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(der) + "\n-----END " + type + "-----\n";
    }

    private static void assertServesHttps(HttpSettings settings) throws Exception {
        try (HttpServer server = HttpServer.builder("tls", settings).port(0)
                .routes(new Routes().get("/hello", c -> c.sendText(200, "text/plain", c.isSecure() ? "secure" : "plain")))
                .start()) {
            assertTrue(server.boundAddress().startsWith("https://127.0.0.1:"), server.boundAddress());
            HttpClient client = HttpClient.newBuilder().sslContext(trusting).build();
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(server.uri().resolve("/hello")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode());
            assertEquals("secure", r.body());
            // a client that does not trust the certificate is refused in the handshake
            assertThrows(SSLHandshakeException.class, () -> HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(server.uri().resolve("/hello")).build(), HttpResponse.BodyHandlers.ofString()));
        }
    }

    @Test
    void shouldServeHttpsFromAPkcs12Keystore() throws Exception {
        assertServesHttps(HttpSettings.defaults().withTls(HttpSettings.Tls.pkcs12(keystore, PASSWORD)));
    }

    @Test
    void shouldServeHttpsFromPemCertificateAndKey() throws Exception {
        assertServesHttps(HttpSettings.defaults().withTls(HttpSettings.Tls.pem(certPem, keyPem)));
    }

    @Test
    void shouldRefuseACertificateWithoutItsKeyNamingTheMissingKey() {
        ConfigException e = assertThrows(ConfigException.class, () -> HttpSettings.of(
                java.util.Map.of(HttpSettings.TLS_CERT, certPem.toString())));
        assertTrue(e.getMessage().contains(HttpSettings.TLS_KEY), e.getMessage());
    }

    @Test
    void shouldRefuseATraditionalRsaKeyWithTheConversionCommand() throws Exception {
        Path pkcs1 = Files.writeString(dir.resolve("rsa.pem"), pem("RSA PRIVATE KEY", new byte[] {1, 2, 3}));
        HttpSettings settings = HttpSettings.defaults().withTls(HttpSettings.Tls.pem(certPem, pkcs1));
        ConfigException e = assertThrows(ConfigException.class, () -> HttpServer.builder("tls", settings).port(0).start());
        assertTrue(e.getMessage().contains("openssl pkcs8 -topk8"), e.getMessage());
    }
}
