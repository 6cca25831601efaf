package dev.glimpse.console;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.glimpse.explain.methods.Methods;
import dev.glimpse.explain.render.Colormap;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;

/**
 * The read-only pages added for people who watch the pipeline, independent of the HTTP server that carries them:
 * the prediction page ({@code /prediction/<id>} and its data {@code /api/predictions/<id>}), the monitoring page
 * ({@code /monitoring}, {@code /api/monitoring}), the heatmap colour bar ({@code /api/colormap.png}) and the bundled
 * uPlot charting library ({@code /static/uplot/...}, from its webjar). {@link #get} answers a GET path of
 * {@link #PATTERNS} or says it does not know it.
 */
final class ConsolePages {

    /** An answer: status, content type and body. */
    record Response(int status, String type, byte[] body) {
        static Response json(ObjectMapper json, int status, Object body) {
            try {
                return new Response(status, "application/json", json.writeValueAsBytes(body));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    static final String UPLOT = "/META-INF/resources/webjars/uplot/1.6.30/dist/";
    /** The GET routes {@link #get} answers (route patterns of the platform's HTTP server). */
    static final java.util.List<String> PATTERNS = java.util.List.of("/prediction/{id...}", "/api/predictions/{id...}",
            "/monitoring", "/api/monitoring", "/api/colormap.png", "/static/prediction.js", "/static/monitoring.js",
            "/static/gallery-live.js", "/static/model-responses.js", "/static/pages.css", "/static/uplot/uPlot.iife.min.js",
            "/static/uplot/uPlot.min.css");
    private static final Pattern IMAGE_ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");
    private static final Map<String, String> STATIC = Map.of(
            "/static/prediction.js", "prediction.js",
            "/static/monitoring.js", "monitoring.js",
            "/static/gallery-live.js", "gallery-live.js",
            "/static/model-responses.js", "model-responses.js",
            "/static/pages.css", "pages.css");

    private final ObjectMapper json;
    private final Gallery gallery;
    private final MonitoringBoard board;
    private final ModelPage model;
    private final boolean onDemand;
    private final boolean layerOnDemand;
    private volatile byte[] colorbar;

    ConsolePages(ObjectMapper json, Gallery gallery, MonitoringBoard board, ModelPage model, boolean onDemand,
                 boolean layerOnDemand) {
        this.json = json;
        this.gallery = gallery;
        this.board = board;
        this.model = model;
        this.onDemand = onDemand;
        this.layerOnDemand = layerOnDemand;
    }

    Optional<Response> get(String path) throws IOException {
        if (path.startsWith("/prediction/")) {
            return Optional.of(resource("prediction.html"));
        }
        if (path.startsWith("/api/predictions/")) {
            return Optional.of(prediction(path.substring("/api/predictions/".length())));
        }
        if (STATIC.containsKey(path)) {
            return Optional.of(resource(STATIC.get(path)));
        }
        return switch (path) {
            case "/monitoring" -> Optional.of(resource("monitoring.html"));
            case "/api/monitoring" -> Optional.of(Response.json(json, 200, board.toJson(json)));
            case "/api/colormap.png" -> Optional.of(new Response(200, "image/png", colorbar()));
            case "/static/uplot/uPlot.iife.min.js" -> Optional.of(classpath(UPLOT + "uPlot.iife.min.js", "text/javascript; charset=utf-8"));
            case "/static/uplot/uPlot.min.css" -> Optional.of(classpath(UPLOT + "uPlot.min.css", "text/css; charset=utf-8"));
            default -> Optional.empty();
        };
    }

    /** The card of one prediction plus what the page needs around it: class names, layers, methods. */
    private Response prediction(String id) {
        if (!IMAGE_ID.matcher(id).matches()) {
            return Response.json(json, 400, error("invalid image id"));
        }
        Optional<ObjectNode> card = gallery.card(id);
        if (card.isEmpty()) {
            return Response.json(json, 404, error("the console has no prediction for image " + id
                    + " (never seen, or older than the " + Gallery.PREDICTION_INDEX + " predictions it remembers)"));
        }
        ObjectNode o = card.get();
        ObjectNode names = o.putObject("classes");
        gallery.classNames().forEach((k, v) -> names.put(String.valueOf(k), v));
        ArrayNode methods = o.putArray("methods");
        Methods.names().forEach(methods::add);
        o.put("onDemand", onDemand);
        o.put("layerOnDemand", layerOnDemand);
        ArrayNode layers = o.putArray("layers");
        if (model.available()) {
            try {
                model.spatialLayers().forEach(l -> {
                    ObjectNode n = layers.addObject();
                    n.put("name", l.name());
                    n.put("shape", l.shape());
                });
            } catch (Exception e) {
                o.put("layersError", e.getMessage());
            }
        }
        return Response.json(json, 200, o);
    }

    /** The heatmaps' colour map (jet, low to high, left to right) as a 256×1 PNG the pages stretch. */
    private byte[] colorbar() throws IOException {
        byte[] b = colorbar;
        if (b == null) {
            BufferedImage img = new BufferedImage(256, 1, BufferedImage.TYPE_INT_RGB);
            for (int x = 0; x < 256; x++) {
                img.setRGB(x, 0, Colormap.JET.packed(x / 255.0));
            }
            try (ByteArrayOutputStream out = new ByteArrayOutputStream()) {
                ImageIO.write(img, "png", out);
                b = out.toByteArray();
            }
            colorbar = b;
        }
        return b;
    }

    private Response resource(String name) throws IOException {
        String type = name.endsWith(".html") ? "text/html; charset=utf-8" : name.endsWith(".js")
                ? "text/javascript; charset=utf-8" : "text/css; charset=utf-8";
        return classpath("/console/" + name, type);
    }

    private static Response classpath(String path, String type) throws IOException {
        try (InputStream in = ConsolePages.class.getResourceAsStream(path)) {
            if (in == null) {
                return new Response(404, "text/plain; charset=utf-8", ("missing resource " + path).getBytes(StandardCharsets.UTF_8));
            }
            return new Response(200, type, in.readAllBytes());
        }
    }

    private ObjectNode error(String message) {
        ObjectNode o = json.createObjectNode();
        o.put("error", message);
        return o;
    }
}
