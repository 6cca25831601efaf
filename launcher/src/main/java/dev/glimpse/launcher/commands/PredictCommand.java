package dev.glimpse.launcher.commands;

import dev.glimpse.client.Answer;
import dev.glimpse.client.ClassScore;
import dev.glimpse.client.GlimpseClient;
import dev.glimpse.client.GlimpseClientException;
import dev.glimpse.client.PredictionResult;
import dev.glimpse.client.Tokens;
import dev.glimpse.launcher.GlimpseCommand;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ./glimpse predict IMG...}: classifies images through the running pipeline (ingest's results API,
 * {@code POST /v1/images?wait=}) and prints the top-k with labels per image, or its id when the wait expired.
 */
@Command(name = "predict", mixinStandardHelpOptions = true,
        description = "Classify images through the running pipeline (results API) and print the top-k per image.")
public final class PredictCommand implements GlimpseCommand, Callable<Integer> {

    @Parameters(arity = "1..*", paramLabel = "IMG", description = "image files (PNG, JPEG, ...)")
    List<Path> images;

    @Option(names = "--wait", defaultValue = "5000", paramLabel = "MS", description = "how long to wait for each prediction (default: ${DEFAULT-VALUE})")
    long waitMs;

    @Option(names = "--json", description = "print the API's JSON answer, one line per image")
    boolean json;

    @Option(names = "--url", defaultValue = "http://127.0.0.1:8081", paramLabel = "U", description = "ingest's address (default: ${DEFAULT-VALUE})")
    URI url;

    @Option(names = "--token-file", paramLabel = "F", description = "bearer token file (default: GLIMPSE_TOKEN, else ./data/token when it exists)")
    Path tokenFile;

    @Override
    public Integer call() throws Exception {
        return UsageErrors.report("predict", () -> run(System.out));
    }

    Integer run(PrintStream out) throws Exception {
        if (waitMs < 0 || waitMs > 600_000) {
            throw new IllegalArgumentException("--wait must be 0..600000 ms, got " + waitMs);
        }
        for (Path img : images) {
            if (!Files.isRegularFile(img)) {
                throw new IllegalArgumentException(img + ": no such file");
            }
        }
        GlimpseClient client = new GlimpseClient(url, Tokens.resolve(tokenFile, System.getenv()));
        int pending = 0;
        for (Path img : images) {
            Answer a;
            try {
                a = client.predict(Files.readAllBytes(img), Duration.ofMillis(waitMs));
            } catch (GlimpseClientException e) {
                throw new IllegalArgumentException(img + ": " + e.getMessage());
            }
            if (a instanceof Answer.Predicted p) {
                out.println(json ? p.json().strip() : text(img, p.result()));
            } else {
                pending++;
                out.println(json ? "{\"id\":\"" + a.id() + "\",\"pending\":true}"
                        : img + "  id " + a.id() + "  pending: no prediction within " + waitMs + " ms (GET " + url
                        + "/v1/predictions/" + a.id() + " later)");
            }
        }
        return pending == 0 ? 0 : 1;
    }

    static String text(Path img, PredictionResult r) {
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "%s  id %s  model %s v%s  %d ms", img, r.id(),
                r.modelName(), r.modelVersion(), r.latencyMs()));
        int rank = 1;
        for (ClassScore c : r.top()) {
            b.append(String.format(Locale.ROOT, "%n  %d. %-20s %.3f", rank++,
                    (c.label().isEmpty() ? "class" : c.label()) + " (" + c.index() + ")", c.probability()));
        }
        return b.toString();
    }
}
