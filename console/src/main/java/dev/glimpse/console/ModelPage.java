package dev.glimpse.console;

import ai.onnxruntime.OrtException;
import dev.glimpse.engine.onnx.Onnx;
import dev.glimpse.explain.Explainer;
import dev.glimpse.explain.Explanation;
import dev.glimpse.explain.ExplanationMethod;
import dev.glimpse.explain.Options;
import dev.glimpse.explain.Tensor;
import dev.glimpse.explain.gradient.EngineDifferentiators;
import dev.glimpse.explain.inspect.ArchitectureSvg;
import dev.glimpse.explain.inspect.ExecutedShapes;
import dev.glimpse.explain.inspect.ModelInspector;
import dev.glimpse.explain.inspect.ModelReport;
import dev.glimpse.explain.inspect.ReportFormat;
import dev.glimpse.explain.methods.ActivationMaximisation;
import dev.glimpse.explain.methods.Filters;
import dev.glimpse.explain.render.Colormap;
import dev.glimpse.explain.render.ExplanationRenderer;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.imageio.ImageIO;
import dev.glimpse.explain.inspect.LayerReport;
import dev.glimpse.explain.io.InputLoader;
import dev.glimpse.runtime.ModelMetadata;
import dev.glimpse.runtime.Preprocessor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The model page's content, computed once per model file with the explain library: the inspect table (JSON),
 * the architecture SVG, the first-layer filters, their responses to a chosen or uploaded image, and an
 * activation-maximisation grid for 16 filters of the Grad-CAM layer. {@link #prepareInBackground()} (run in the background
 * when the console starts) opens the ONNX Runtime sessions and renders everything that does not depend on an
 * image, so that the page loads in well under the time activation maximisation takes; a filter-response grid then
 * costs one forward pass.
 */
final class ModelPage implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ModelPage.class);

    /** A 4-D activation that CAM methods and feature maps can use: tensor name and per-sample shape. */
    record Layer(String name, String shape) {
    }

    private static final int RESPONSES_KEPT = 64;
    private final Path modelFile;
    private final Map<String, byte[]> cache = new ConcurrentHashMap<>();
    private final Map<String, byte[]> responses = java.util.Collections.synchronizedMap(
            new java.util.LinkedHashMap<>(16, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, byte[]> eldest) {
                    return size() > RESPONSES_KEPT;
                }
            });
    private Onnx.ModelProto model;
    private ModelReport report;
    private Explainer explainer;
    private volatile boolean ready;

    /** @param modelFile an ONNX file, or null when the console has no model to show */
    ModelPage(Path modelFile) {
        this.modelFile = modelFile;
    }

    /**
     * Builds the inspect report and the sessions of the filters and activation-maximisation panels on a background
     * thread, so that the model page's first visit does not pay for them; {@link #ready()} says when it is done.
     */
    void prepareInBackground() {
        if (!available()) {
            return;
        }
        Thread t = new Thread(this::precompute, "console-model-page-prepare");
        t.setDaemon(true);
        t.start();
    }

    /** What {@link #prepareInBackground()} runs: sessions, report and the panels that need no image. */
    void precompute() {
        long start = System.nanoTime();
        try {
            synchronized (this) {
                report();
                Explainer e = explainer();
                e.prepare(List.of(new Filters(), new ActivationMaximisation()), e.defaultLayer());
            }
            // and what the page shows, rendered before anyone asks
            svg();
            filtersPng();
            activationMaxPng();
            ready = true;
            LOG.info("model page of {} ready: sessions built in {} ms", modelFile, (System.nanoTime() - start) / 1_000_000);
        } catch (Exception | LinkageError e) {
            // the page's first visit reports the failure itself
            LOG.warn("could not prepare the model page of {} ahead of visits: {}", modelFile, e.toString());
        }
    }

    /** Whether the model page's sessions are built. */
    boolean ready() {
        return ready;
    }

    boolean available() {
        return modelFile != null && Files.isRegularFile(modelFile);
    }

    synchronized String inspectJson() throws IOException, OrtException {
        return ReportFormat.json(report());
    }

    synchronized String svg() throws IOException, OrtException {
        return ArchitectureSvg.render(report());
    }

    /** The first convolution's filters (weights only). */
    byte[] filtersPng() throws IOException, OrtException {
        return cached("filters", () -> {
            Explanation ex = filters(zeros());
            return png(new ExplanationRenderer(Colormap.JET, 0.5).render(new Explanation(ex.method(), ex.kind(), ex.raw(),
                    Map.of("layer", ex.details().getOrDefault("layer", ""))), zeros().dropBatch()));
        });
    }

    /**
     * The first convolution's filters next to their responses to an image (PNG or JPEG bytes), preprocessed as the
     * model's metadata says; kept for the last {@value #RESPONSES_KEPT} images.
     *
     * @throws IllegalArgumentException when the bytes are not an image the preprocessing can read
     */
    byte[] filterResponsesPng(byte[] encoded) throws IOException, OrtException {
        String key = sha256(encoded);
        byte[] b = responses.get(key);
        if (b == null) {
            Tensor x;
            synchronized (this) {
                Explainer e = explainer();
                ModelMetadata meta = InputLoader.metadata(model(), e.inputShape(), e.shape(e.logitsName()));
                x = new Tensor(new int[] {1, meta.channels(), meta.height(), meta.width()}, new Preprocessor(meta).fromEncoded(encoded));
            }
            Explanation ex = filters(x);
            b = png(new ExplanationRenderer(Colormap.JET, 0.5).render(ex, x.dropBatch()));
            responses.put(key, b);
        }
        return b;
    }

    /** The 4-D activations with a spatial size above 1, in graph order (the layers Grad-CAM and feature maps can use). */
    synchronized java.util.List<Layer> spatialLayers() throws IOException, OrtException {
        java.util.List<Layer> out = new java.util.ArrayList<>();
        for (LayerReport l : report().layers()) {
            long[] s = l.outputShape();
            if (s != null && s.length >= 3 && s[s.length - 1] * s[s.length - 2] > 1) {
                out.add(new Layer(l.output(), java.util.Arrays.toString(s)));
            }
        }
        return out;
    }

    private synchronized Explanation filters(Tensor x) throws IOException, OrtException {
        Explainer e = explainer();
        return new Filters().explain(e, new ExplanationMethod.Request(x, 0, e.defaultLayer(), Options.none()));
    }

    private synchronized Tensor zeros() throws IOException, OrtException {
        long[] s = explainer().inputShape();
        return Tensor.zeros(1, (int) s[1], (int) s[2], (int) s[3]);
    }

    private static byte[] png(BufferedImage img) throws IOException {
        try (ByteArrayOutputStream out = new ByteArrayOutputStream()) {
            ImageIO.write(img, "png", out);
            return out.toByteArray();
        }
    }

    private static String sha256(byte[] b) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(b));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    byte[] activationMaxPng() throws IOException, OrtException {
        return cached("activation-max", () -> render(new ActivationMaximisation(), Options.none()));
    }

    private interface Producer {
        byte[] get() throws IOException, OrtException;
    }

    private byte[] cached(String key, Producer p) throws IOException, OrtException {
        byte[] b = cache.get(key);
        if (b == null) {
            synchronized (this) {
                b = cache.get(key);
                if (b == null) {
                    b = p.get();
                    cache.put(key, b);
                }
            }
        }
        return b;
    }

    private synchronized byte[] render(ExplanationMethod method, Options options) throws IOException, OrtException {
        Explainer e = explainer();
        long[] s = e.inputShape();
        Tensor x = Tensor.zeros(1, (int) s[1], (int) s[2], (int) s[3]);
        Explanation ex = method.explain(e, new ExplanationMethod.Request(x, 0, e.defaultLayer(), options));
        return png(new ExplanationRenderer(Colormap.JET, 0.5).render(ex, x.dropBatch()));
    }

    private Onnx.ModelProto model() throws IOException {
        if (model == null) {
            if (!available()) {
                throw new IllegalStateException("no model file configured for the console");
            }
            try (InputStream in = Files.newInputStream(modelFile)) {
                model = Onnx.ModelProto.parseFrom(in);
            }
        }
        return model;
    }

    private ModelReport report() throws IOException, OrtException {
        if (report == null) {
            Onnx.ModelProto m = model();
            report = ModelInspector.inspect(m, ExecutedShapes.of(m, ExecutedShapes.declaredInputShape(m)));
        }
        return report;
    }

    private Explainer explainer() throws IOException, OrtException {
        if (explainer == null) {
            explainer = new Explainer(model(), new EngineDifferentiators(), 16);
        }
        return explainer;
    }

    @Override
    public synchronized void close() {
        if (explainer != null) {
            try {
                explainer.close();
            } catch (OrtException e) {
                // closing at shutdown
            }
        }
    }
}
