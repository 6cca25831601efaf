package dev.glimpse.console;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;

/**
 * A minimal W3C WebDriver client over java.net.http driving headless Chromium through chromedriver: enough
 * to open a page, run scripts, click, and take a screenshot. The chromedriver child process and the browser
 * session end with {@link #close()}.
 */
public final class WebDriver implements AutoCloseable {

    public static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    public static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final String ELEMENT = "element-6066-11e4-a52e-4f735466cecf";

    private final ObjectMapper json = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final Process driver;
    private final String base;
    private String session;

    public static boolean available() {
        return Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
    }

    public WebDriver(Path userDataDir, Path driverLog) throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        driver = new ProcessBuilder(CHROMEDRIVER.toString(), "--port=" + port)
                .redirectErrorStream(true).redirectOutput(driverLog.toFile()).start();
        base = "http://127.0.0.1:" + port;
        long deadline = System.currentTimeMillis() + 20_000;
        while (true) {
            try {
                if (call("GET", "/status", null).path("value").path("ready").asBoolean()) {
                    break;
                }
            } catch (IOException e) {
                // not listening yet
            }
            if (System.currentTimeMillis() > deadline) {
                throw new IllegalStateException("chromedriver did not become ready within 20 s");
            }
            Thread.sleep(100);
        }
        ObjectNode caps = json.createObjectNode();
        ObjectNode always = caps.putObject("capabilities").putObject("alwaysMatch");
        always.put("browserName", "chrome");
        ObjectNode chrome = always.putObject("goog:chromeOptions");
        chrome.put("binary", CHROMIUM.toString());
        ArrayNode args = chrome.putArray("args");
        for (String a : List.of("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1400,1100", "--user-data-dir=" + userDataDir)) {
            args.add(a);
        }
        session = call("POST", "/session", caps).path("value").path("sessionId").asText();
        if (session.isEmpty()) {
            throw new IllegalStateException("chromedriver gave no session id");
        }
        // a machine shared by parallel builds can keep the page's main thread busy for longer than the 30 s default
        ObjectNode timeouts = json.createObjectNode();
        timeouts.put("script", 120_000);
        timeouts.put("pageLoad", 120_000);
        call("POST", "/session/" + session + "/timeouts", timeouts);
    }

    public void open(String url) throws Exception {
        ObjectNode b = json.createObjectNode();
        b.put("url", url);
        call("POST", "/session/" + session + "/url", b);
    }

    /** Runs a synchronous script (its {@code return} value comes back as JSON). */
    public JsonNode script(String js, Object... args) throws Exception {
        ObjectNode b = json.createObjectNode();
        b.put("script", js);
        ArrayNode a = b.putArray("args");
        for (Object o : args) {
            a.add(json.valueToTree(o));
        }
        return call("POST", "/session/" + session + "/execute/sync", b).path("value");
    }

    public void click(String css) throws Exception {
        ObjectNode find = json.createObjectNode();
        find.put("using", "css selector");
        find.put("value", css);
        String id = call("POST", "/session/" + session + "/element", find).path("value").path(ELEMENT).asText();
        call("POST", "/session/" + session + "/element/" + id + "/click", json.createObjectNode());
    }

    /** Resizes the browser window (a taller window gives a screenshot of a whole page). */
    public void windowSize(int width, int height) throws Exception {
        ObjectNode b = json.createObjectNode();
        b.put("width", width);
        b.put("height", height);
        call("POST", "/session/" + session + "/window/rect", b);
    }

    public void screenshot(Path file) throws Exception {
        String b64 = call("GET", "/session/" + session + "/screenshot", null).path("value").asText();
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.write(file, Base64.getDecoder().decode(b64));
    }

    private JsonNode call(String method, String path, JsonNode body) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(150));
        if (body == null) {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body.toString()));
        }
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        JsonNode n = json.readTree(r.body());
        if (r.statusCode() >= 400) {
            throw new IllegalStateException("WebDriver " + method + " " + path + " → " + r.statusCode() + ": "
                    + n.path("value").path("message").asText(r.body()));
        }
        return n;
    }

    @Override
    public void close() {
        try {
            if (session != null) {
                call("DELETE", "/session/" + session, null);
            }
        } catch (Exception e) {
            // the driver is killed below anyway
        } finally {
            driver.destroy();
            try {
                driver.waitFor(5, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            driver.destroyForcibly();
        }
    }
}
