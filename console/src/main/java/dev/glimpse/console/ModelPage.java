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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The model page's content, computed once per model file with the explain library: the inspect table (JSON),
 * the architecture SVG, the first-layer filters (and their responses to an all-zero input) and an
 * activation-maximisation grid for 16 filters of the Grad-CAM layer.
 */
final class ModelPage implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ModelPage.class);

    private final Path modelFile;
    private final Map<String, byte[]> cache = new ConcurrentHashMap<>();
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
        Thread t = new Thread(() -> {
            long start = System.nanoTime();
            try {
                synchronized (this) {
                    report();
                    Explainer e = explainer();
                    e.prepare(List.of(new Filters(), new ActivationMaximisation()), e.defaultLayer());
                }
                ready = true;
                LOG.info("model page of {} ready: sessions built in {} ms", modelFile, (System.nanoTime() - start) / 1_000_000);
            } catch (Exception | LinkageError e) {
                // the page's first visit reports the failure itself
                LOG.warn("could not prepare the model page of {} ahead of visits: {}", modelFile, e.toString());
            }
        }, "console-model-page-prepare");
        t.setDaemon(true);
        t.start();
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

    byte[] filtersPng() throws IOException, OrtException {
        return cached("filters", () -> render(new Filters(), Options.none()));
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
        BufferedImage img = new ExplanationRenderer(Colormap.JET, 0.5).render(ex, x.dropBatch());
        try (ByteArrayOutputStream out = new ByteArrayOutputStream()) {
            ImageIO.write(img, "png", out);
            return out.toByteArray();
        }
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
