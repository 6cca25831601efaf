package dev.glimpse.launcher.commands;

import java.io.IOException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.glimpse.launcher.GlimpseCommand;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ./glimpse models ...}: operator commands against the training service's HTTP API. */
@Command(name = "models", mixinStandardHelpOptions = true,
        description = "Model versions and lifecycle: list, promote, rollback, pin, unpin (training service HTTP API); "
                + "import gives a user's ONNX model its preprocessing contract.",
        subcommands = {ModelsCommand.ListVersions.class, ModelsCommand.Promote.class, ModelsCommand.Rollback.class,
                ModelsCommand.Pin.class, ModelsCommand.Unpin.class, ModelsCommand.Train.class, ModelsImportCommand.class})
public final class ModelsCommand implements GlimpseCommand, Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** Where the API is and who calls it. */
    static class Connection {
        @Option(names = "--url", defaultValue = "http://127.0.0.1:9410", description = "training service API (default: ${DEFAULT-VALUE})")
        URI url;

        @Option(names = "--token", defaultValue = "${env:GLIMPSE_API_TOKEN}",
                description = "bearer token (default: $GLIMPSE_API_TOKEN; list also takes $GLIMPSE_API_READ_TOKEN)")
        String token;

        /** Where the read-only token is looked up when no write token is given; tests replace it. */
        Map<String, String> environment = System.getenv();

        @Option(names = "--model-name", defaultValue = "fashion", description = "model (default: ${DEFAULT-VALUE})")
        String model;

        int call(String method, String path) throws Exception {
            String token = this.token;
            if ((token == null || token.isBlank()) && method.equals("GET")) {
                token = environment.get(TrainingCommand.API_READ_TOKEN_VARIABLE); // reading needs no write token
            }
            if (token == null || token.isBlank()) {
                System.err.println(method.equals("GET")
                        ? "no token: pass --token or set GLIMPSE_API_TOKEN or GLIMPSE_API_READ_TOKEN"
                        : "no token: pass --token or set GLIMPSE_API_TOKEN");
                return 2;
            }
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            HttpResponse<String> r;
            try {
                r = http.send(HttpRequest.newBuilder(url.resolve(path)).timeout(Duration.ofSeconds(30))
                        .header("Authorization", "Bearer " + token)
                        .method(method, HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            } catch (IOException e) {
                System.err.println("cannot reach the training service at " + url + ": " + e);
                return 1;
            }
            if (r.statusCode() >= 300) {
                System.err.println("HTTP " + r.statusCode() + ": " + r.body());
                return 1;
            }
            System.out.println(path.equals("/v1/models") ? table(r.body()) : r.body());
            return 0;
        }

        String command(String verb, String version) {
            return "/v1/models/" + URLEncoder.encode(model, StandardCharsets.UTF_8) + "/" + verb
                    + (version == null ? "" : "?version=" + URLEncoder.encode(version, StandardCharsets.UTF_8));
        }
    }

    static String table(String json) throws Exception {
        JsonNode root = new ObjectMapper().readTree(json);
        StringBuilder sb = new StringBuilder();
        sb.append("model ").append(root.path("model").asText()).append("  serving ").append(root.path("serving").asText())
                .append("  pinned ").append(root.path("pinned").asText("-").isEmpty() ? "-" : root.path("pinned").asText())
                .append("  shadow ").append(root.path("shadow").asText().isEmpty() ? "-" : root.path("shadow").asText())
                .append('\n');
        sb.append(String.format(Locale.ROOT, "%-8s %-12s %-8s %-9s %-9s %-8s %s%n", "version", "state", "parent",
                "holdout", "live", "labeled", "reason"));
        for (JsonNode v : root.path("versions")) {
            JsonNode holdout = v.path("metrics").path("holdout_accuracy");
            sb.append(String.format(Locale.ROOT, "%-8s %-12s %-8s %-9s %-9s %-8d %s%n", v.path("version").asText(),
                    v.path("state").asText(), v.path("parent").asText().isEmpty() ? "-" : v.path("parent").asText(),
                    holdout.isNumber() ? String.format(Locale.ROOT, "%.4f", holdout.asDouble()) : "-",
                    v.path("live_accuracy").isNumber() ? String.format(Locale.ROOT, "%.4f", v.path("live_accuracy").asDouble()) : "-",
                    v.path("live_labeled").asLong(), v.path("reason").asText()));
        }
        return sb.toString();
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "Versions with state, lineage and accuracy.")
    static final class ListVersions implements Callable<Integer> {
        @CommandLine.Mixin
        Connection api = new Connection();

        @Override
        public Integer call() throws Exception {
            return api.call("GET", "/v1/models");
        }
    }

    @Command(name = "promote", mixinStandardHelpOptions = true, description = "Serve VERSION now (operator override).")
    static final class Promote implements Callable<Integer> {
        @CommandLine.Mixin
        Connection api = new Connection();

        @Parameters(index = "0", paramLabel = "VERSION", description = "e.g. v3")
        String version;

        @Override
        public Integer call() throws Exception {
            return api.call("POST", api.command("promote", version));
        }
    }

    @Command(name = "rollback", mixinStandardHelpOptions = true, description = "Mark the serving version rolled back; serve the one it replaced.")
    static final class Rollback implements Callable<Integer> {
        @CommandLine.Mixin
        Connection api = new Connection();

        @Override
        public Integer call() throws Exception {
            return api.call("POST", api.command("rollback", null));
        }
    }

    @Command(name = "pin", mixinStandardHelpOptions = true, description = "Serve VERSION and stop automatic promotion and rollback.")
    static final class Pin implements Callable<Integer> {
        @CommandLine.Mixin
        Connection api = new Connection();

        @Parameters(index = "0", paramLabel = "VERSION")
        String version;

        @Override
        public Integer call() throws Exception {
            return api.call("POST", api.command("pin", version));
        }
    }

    @Command(name = "unpin", mixinStandardHelpOptions = true, description = "Let automation change the serving version again.")
    static final class Unpin implements Callable<Integer> {
        @CommandLine.Mixin
        Connection api = new Connection();

        @Override
        public Integer call() throws Exception {
            return api.call("POST", api.command("unpin", null));
        }
    }

    @Command(name = "train", mixinStandardHelpOptions = true, description = "Queue a training run now.")
    static final class Train implements Callable<Integer> {
        @CommandLine.Mixin
        Connection api = new Connection();

        @Override
        public Integer call() throws Exception {
            return api.call("POST", "/v1/train");
        }
    }
}
