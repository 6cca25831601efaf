package dev.glimpse.explainworker;

import ai.onnxruntime.OrtException;
import dev.glimpse.contracts.events.Artifact;
import dev.glimpse.contracts.events.FaithfulnessScores;
import dev.glimpse.contracts.events.ImageEvent;
import dev.glimpse.engine.onnx.Onnx;
import dev.glimpse.explain.BatchedMethod;
import dev.glimpse.explain.Explainer;
import dev.glimpse.explain.Explanation;
import dev.glimpse.explain.ExplanationMethod;
import dev.glimpse.explain.Tensor;
import dev.glimpse.explain.faithfulness.FaithfulnessScorer;
import dev.glimpse.explain.faithfulness.PointingGame;
import dev.glimpse.explain.gradient.EngineDifferentiators;
import dev.glimpse.explain.io.InputLoader;
import dev.glimpse.explain.io.Npy;
import dev.glimpse.explain.methods.Methods;
import dev.glimpse.explain.render.Colormap;
import dev.glimpse.explain.render.ExplanationRenderer;
import dev.glimpse.explain.render.OriginalImage;
import dev.glimpse.registry.artifacts.ArtifactId;
import dev.glimpse.registry.artifacts.ArtifactStore;
import dev.glimpse.runtime.DecodedImage;
import dev.glimpse.runtime.PreprocessingException;
import dev.glimpse.runtime.ImageLimits;
import dev.glimpse.runtime.DeviceUnavailableException;
import dev.glimpse.runtime.ExecutionDevice;
import dev.glimpse.runtime.MissingModelContractException;
import dev.glimpse.runtime.ModelMetadata;
import dev.glimpse.runtime.SessionTuning;
import dev.glimpse.runtime.Preprocessor;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import javax.imageio.ImageIO;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The explain library on ONNX Runtime: one {@link Explainer} per model version (it caches the forward and
 * gradient sessions per method and layer), at most {@value #MAX_VERSIONS} versions open, a version's sessions
 * closed when it is retired. Each item: preprocess the image per the model metadata, run the method, write the
 * raw .npy and a PNG (heatmap overlay drawn back onto the original image through the crop/letterbox geometry,
 * guided map, feature-map grid) to the artifact store, and score heatmaps for faithfulness with the explain
 * library's {@link FaithfulnessScorer} (the same scores as {@code ./glimpse explain}; the pointing game when the
 * image carries an object mask). A model without a
 * preprocessing contract is not opened: its items fail with reason {@code bad-metadata} and the one line of
 * {@link ModelMetadata#requireContract}.
 */
public final class OnnxExplanationEngine implements ExplanationEngine {

    private static final Logger LOG = LoggerFactory.getLogger(OnnxExplanationEngine.class);
    static final int MAX_VERSIONS = 3;

    private record Loaded(Explainer explainer, Preprocessor preprocessor, ModelMetadata metadata, String layer) {
    }

    private final ExplainWorkerConfig config;
    private final ModelCatalog models;
    private final ArtifactStore store;
    private final ExplanationRenderer renderer = new ExplanationRenderer(Colormap.JET, 0.5);
    private final FaithfulnessScorer faithfulness;
    private final LinkedHashMap<ModelKey, Loaded> loaded = new LinkedHashMap<>();
    private final ExecutionDevice requestedDevice;
    private final ExecutionDevice device;
    /** Builds the sessions of newly announced versions off the request path (one at a time: the machine is shared). */
    private final ExecutorService preloader = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "explain-session-preload");
        t.setDaemon(true);
        return t;
    });
    private final Map<ModelKey, Double> ready = new ConcurrentHashMap<>();

    /**
     * @throws DeviceUnavailableException when {@code explain.device} is a strict {@code cuda[:N]}
     *         that this machine or ONNX Runtime build cannot give; {@code auto} falls back to the CPU with a WARN line
     */
    public OnnxExplanationEngine(ExplainWorkerConfig config, ModelCatalog models, ArtifactStore store) {
        this.config = config;
        this.models = models;
        this.store = store;
        this.faithfulness = config.explanation().scorer(config.faithfulnessSteps(), config.pointingTolerance());
        this.requestedDevice = ExecutionDevice.parse(config.deviceSpec());
        this.device = DeviceProbe.resolve(requestedDevice);
        LOG.info("explanation sessions run on {} (requested {})", device, requestedDevice);
        models.onServing(this::preload);
        models.configuredModel().ifPresent(this::preload);
    }

    /**
     * Opens a model version and builds every session its configured methods need, in the background, so that its
     * first prediction does not pay for them; {@link #isReady} and the log line say when it is done.
     */
    public void preload(ModelKey key) {
        if (ready.containsKey(key)) {
            return;
        }
        try {
            preloader.execute(() -> {
                try {
                    load(key);
                } catch (Exception e) {
                    // the first request for it will report the failure in its own result
                    LOG.warn("could not prepare explanation sessions of model {} ahead of requests: {}", key, e.toString());
                }
            });
        } catch (RejectedExecutionException closed) {
            // an announcement read while the engine shuts down: nothing to prepare for
        }
    }

    /** Whether every session of the configured methods is built for a version. */
    public boolean isReady(ModelKey key) {
        return ready.containsKey(key);
    }

    /** Versions whose sessions are all built. */
    @Override
    public int readyVersions() {
        return ready.size();
    }

    /** The device every session of this engine runs on: {@code cpu} or {@code cuda:N}, never {@code auto}. */
    @Override
    public String device() {
        return device.toString();
    }

    @Override
    public String requestedDevice() {
        return requestedDevice.toString();
    }

    public static boolean knownMethod(String name) {
        return Methods.names().contains(name);
    }

    public static List<String> methodNames() {
        return Methods.names();
    }

    public ArtifactStore store() {
        return store;
    }

    @Override
    public List<Result> explain(List<ExplainItem> items) {
        List<Result> out = new ArrayList<>();
        if (items.isEmpty()) {
            return out;
        }
        ModelKey key = items.get(0).model();
        Loaded model;
        try {
            model = load(key);
        } catch (MissingModelContractException e) {
            // never explained with guessed preprocessing: each item fails with the one line naming models import
            for (ExplainItem it : items) {
                out.add(Result.failed(it, "bad-metadata", e.getMessage()));
            }
            return out;
        } catch (Exception e) {
            for (ExplainItem it : items) {
                out.add(Result.failed(it, "model-unavailable", "cannot open model " + key + ": " + e.getMessage()));
            }
            return out;
        }
        Result[] results = new Result[items.size()];
        Map<String, List<Integer>> byMethod = new LinkedHashMap<>();
        for (int i = 0; i < items.size(); i++) {
            byMethod.computeIfAbsent(items.get(i).method(), m -> new ArrayList<>()).add(i);
        }
        DecodedInputs inputs = new DecodedInputs(model.preprocessor(), config.imageLimits());
        byMethod.forEach((method, indices) -> explainGroup(model, method, items, indices, results, inputs));
        return List.of(results);
    }

    /**
     * Each image of one engine call decoded once, whatever the number of its items asking for it, within the image
     * limits (checked from the header before any pixel is decoded); a refusal is kept and re-thrown for every item
     * of that image, so each is dead-lettered with the decoder's reason ({@code too-many-pixels}, ...).
     */
    private static final class DecodedInputs {
        private record Input(float[] pixels, OriginalImage original, PreprocessingException refused) {
        }

        private final Preprocessor preprocessor;
        private final ImageLimits limits;
        private final Map<ImageEvent, Input> byImage = new java.util.IdentityHashMap<>();

        DecodedInputs(Preprocessor preprocessor, ImageLimits limits) {
            this.preprocessor = preprocessor;
            this.limits = limits;
        }

        private Input of(ImageEvent image) {
            return byImage.computeIfAbsent(image, img -> {
                try {
                    DecodedImage decoded = DecodedImage.decode(img.getData().toByteArray(), limits);
                    return new Input(preprocessor.fromDecoded(decoded), OriginalImage.of(decoded, preprocessor), null);
                } catch (PreprocessingException e) {
                    return new Input(null, null, e);
                }
            });
        }

        /** @throws PreprocessingException with the decoder's reason when the image was refused */
        float[] pixels(ImageEvent image) {
            Input in = of(image);
            if (in.refused() != null) {
                throw in.refused();
            }
            return in.pixels();
        }

        OriginalImage original(ImageEvent image) {
            return of(image).original();
        }
    }

    /**
     * One method over a micro-batch: each image preprocessed (an undecodable one fails alone), the batch explained
     * with one ONNX Runtime call per pass of the method ({@link BatchedMethod}), then stored and scored per item.
     * If the batched call fails, the items are retried one by one so that one bad input cannot fail the others.
     */
    private void explainGroup(Loaded model, String methodName, List<ExplainItem> items, List<Integer> indices, Result[] results,
                              DecodedInputs inputs) {
        ModelMetadata meta = model.metadata();
        List<Integer> ready = new ArrayList<>();
        List<float[]> pixels = new ArrayList<>();
        Map<Integer, OriginalImage> originals = new HashMap<>();
        for (int i : indices) {
            ExplainItem it = items.get(i);
            try {
                if (model.layer() == null && !INPUT_ONLY.contains(it.method())) {
                    throw new IllegalArgumentException(it.method() + " needs a 4-D convolutional layer and model " + it.model()
                            + " has none; use one of " + INPUT_ONLY);
                }
                Methods.byName(it.method());
                pixels.add(inputs.pixels(it.image()));
                originals.put(i, inputs.original(it.image()));
                ready.add(i);
            } catch (PreprocessingException e) {
                results[i] = Result.failed(it, e.reason(), e.getMessage());
            } catch (IllegalArgumentException e) {
                results[i] = Result.failed(it, "bad-request", e.getMessage());
            } catch (RuntimeException e) {
                results[i] = failure(it, e);
            }
        }
        if (ready.isEmpty()) {
            return;
        }
        int per = meta.channels() * meta.height() * meta.width();
        float[] data = new float[ready.size() * per];
        int[] targets = new int[ready.size()];
        for (int j = 0; j < ready.size(); j++) {
            System.arraycopy(pixels.get(j), 0, data, j * per, per);
            targets[j] = items.get(ready.get(j)).target();
        }
        Tensor batch = new Tensor(new int[] {ready.size(), meta.channels(), meta.height(), meta.width()}, data);
        ExplanationMethod method = Methods.byName(methodName);
        String asked = items.get(ready.get(0)).layer(); // the worker groups items by layer
        String layer;
        try {
            layer = asked == null ? model.layer() : model.explainer().requireLayer(asked);
        } catch (IllegalArgumentException e) {
            for (int i : ready) {
                results[i] = Result.failed(items.get(i), "bad-request", e.getMessage());
            }
            return;
        }
        List<Explanation> explained;
        long t0 = System.nanoTime();
        try {
            explained = BatchedMethod.run(method, model.explainer(), batch, targets, layer, config.explanation().options());
        } catch (Exception e) {
            if (ready.size() == 1) {
                results[ready.get(0)] = failure(items.get(ready.get(0)), e);
                return;
            }
            LOG.warn("batch of {} for {} failed ({}); explaining its items one by one", ready.size(), methodName, e.toString());
            for (int i : ready) {
                explainGroup(model, methodName, items, List.of(i), results, inputs);
            }
            return;
        }
        // the method's time is shared by the batch: each item is charged its share
        long methodMs = (System.nanoTime() - t0) / 1_000_000 / ready.size();
        for (int j = 0; j < ready.size(); j++) {
            ExplainItem it = items.get(ready.get(j));
            try {
                results[ready.get(j)] = Result.ok(it, finish(model, layer, it, batch.slice(j), originals.get(ready.get(j)),
                        explained.get(j), methodMs));
            } catch (RuntimeException e) {
                results[ready.get(j)] = failure(it, e);
            }
        }
    }

    private static Result failure(ExplainItem it, Exception e) {
        if (e instanceof PreprocessingException p) {
            return Result.failed(it, p.reason(), e.getMessage());
        }
        if (e instanceof IllegalArgumentException) {
            return Result.failed(it, "bad-request", e.getMessage());
        }
        LOG.warn("explaining {} with {} failed: {}", it.prediction().getImageId(), it.method(), e.toString());
        return Result.failed(it, "explain-failed", it.method() + ": " + e);
    }

    /** Opens (or reuses) the explainer of a model version; exposed for the console's model page. */
    public synchronized Explainer explainer(ModelKey key) throws IOException, OrtException {
        return load(key).explainer();
    }

    private synchronized Loaded load(ModelKey key) throws IOException, OrtException {
        Loaded l = loaded.get(key);
        if (l != null) {
            return l;
        }
        if (models.isRetired(key)) {
            throw new IllegalStateException("model version " + key + " is retired");
        }
        Path file = models.resolve(key).orElseThrow(() -> new IllegalStateException("no model file known for " + key));
        Onnx.ModelProto proto;
        try (InputStream in = Files.newInputStream(file)) {
            proto = Onnx.ModelProto.parseFrom(in);
        }
        Map<String, String> props = new LinkedHashMap<>();
        proto.getMetadataPropsList().forEach(p -> props.put(p.getKey(), p.getValue()));
        ModelMetadata.requireContract(props, file.toString());
        // the CPU keeps the plain sessions the explain library opens; other devices go through the runtime module
        Explainer explainer = device.kind() == ExecutionDevice.Kind.CPU
                ? new Explainer(proto, new EngineDifferentiators(), 32)
                : new Explainer(proto, new EngineDifferentiators(device, SessionTuning.defaults()), 32, device, SessionTuning.defaults());
        try {
            // tokens.grid / tokens.layout as ./glimpse explain --param takes them: checked against this model here
            explainer.useTokenParameters(config.explanation().options());
            ModelMetadata meta = InputLoader.metadata(proto, explainer.inputShape(), explainer.shape(explainer.logitsName()));
            String layer = config.layer() != null ? explainer.requireLayer(config.layer()) : defaultLayerOrNull(explainer, key);
            l = new Loaded(explainer, new Preprocessor(meta), meta, layer);
            List<ExplanationMethod> methods = new ArrayList<>();
            for (String name : config.methods()) {
                if (layer != null || INPUT_ONLY.contains(name)) {
                    methods.add(Methods.byName(name));
                }
            }
            double ms = explainer.prepare(methods, layer);
            ready.put(key, ms);
            LOG.info("model {} ready for explanations: sessions of {} built in {} ms", key, config.methods(), Math.round(ms));
        } catch (RuntimeException e) {
            explainer.close();
            throw e;
        }
        loaded.put(key, l);
        LOG.info("opened model {} from {} for explanations (layer {})", key, file, l.layer());
        while (loaded.size() > MAX_VERSIONS) {
            Iterator<Map.Entry<ModelKey, Loaded>> it = loaded.entrySet().iterator();
            Map.Entry<ModelKey, Loaded> eldest = it.next();
            it.remove();
            ready.remove(eldest.getKey());
            closeQuietly(eldest.getKey(), eldest.getValue());
        }
        return l;
    }

    /** Methods that work on the input alone; every other one needs a 4-D layer. */
    private static final Set<String> INPUT_ONLY = Set.of("saliency", "gradxinput", "guided", "deconvnet",
            "smoothgrad", "integrated-gradients", "occlusion", "fullgrad");

    private static String defaultLayerOrNull(Explainer explainer, ModelKey key) {
        try {
            return explainer.defaultLayer();
        } catch (IllegalArgumentException e) {
            LOG.warn("model {} has no 4-D activation (an MLP?): only input-gradient methods {} can explain it", key, INPUT_ONLY);
            return null;
        }
    }

    /** Stores the raw array and its picture, scores heatmaps, and builds the event of one item. */
    private dev.glimpse.contracts.events.Explanation finish(Loaded model, String layer, ExplainItem it, Tensor chw,
                                                            OriginalImage original, Explanation ex, long methodMs) {
        long start = System.nanoTime();
        ArtifactId raw = store.put(Npy.toBytes(ex.raw()), "npy");
        ArtifactId png = store.put(png(renderer.render(ex, chw, original)), "png");
        Artifact.Builder a = Artifact.newBuilder().setMethod(it.method()).setRawUri(raw.uri()).setImageUri(png.uri())
                .setDurationMs(methodMs);
        for (int d : ex.raw().shape()) {
            a.addRawShape(d);
        }
        if (ex.kind().isHeatmap()) {
            Explainer e = model.explainer();
            Tensor mask = mask(it.image());
            a.setFaithfulness(toEvent(faithfulness.score(e.targetScorer(it.target()), e.maxBatch(), chw, ex.raw(),
                    mask == null ? null : PointingGame.maskInModelInput(mask, original.geometry()))));
        }
        long totalMs = methodMs + (System.nanoTime() - start) / 1_000_000;
        return dev.glimpse.contracts.events.Explanation.newBuilder()
                .setImageId(it.prediction().getImageId()).setModelName(it.prediction().getModelName())
                .setModelVersion(it.prediction().getModelVersion()).setTargetClass(it.target())
                .setLayer(layer == null ? "" : layer)
                .addArtifacts(a).setReason(it.reason()).setExplainedAtMs(System.currentTimeMillis()).setTotalMs(totalMs)
                .build();
    }

    /** The scores as the event carries them; the pointing game only when the image had a mask. */
    private static FaithfulnessScores toEvent(FaithfulnessScorer.Scores scores) {
        FaithfulnessScores.Builder f = FaithfulnessScores.newBuilder()
                .setDeletionAuc(scores.deletionAuc())
                .setInsertionAuc(scores.insertionAuc())
                .setAverageDrop(scores.averageDrop())
                .setAverageIncrease(scores.increaseInConfidence());
        scores.pointingGame().ifPresent(pg -> f.setHasPointingGame(true).setPointingGameHit(pg.hit()));
        scores.road().ifPresent(r -> f.setHasRoad(true).setRoadMorf(r.morfMean()).setRoadLerf(r.lerfMean())
                .setRoadCombined(r.combined()));
        return f.build();
    }

    /** The image's object mask as [H,W], or null when it has none (or an empty or mis-sized one). */
    static Tensor mask(ImageEvent image) {
        int w = image.getWidth();
        int h = image.getHeight();
        if (image.getObjectMask().isEmpty() || w <= 0 || h <= 0 || image.getObjectMask().size() != w * h) {
            return null;
        }
        byte[] m = image.getObjectMask().toByteArray();
        float[] f = new float[m.length];
        boolean any = false;
        for (int i = 0; i < m.length; i++) {
            f[i] = m[i] != 0 ? 1 : 0;
            any |= m[i] != 0;
        }
        return any ? new Tensor(new int[] {h, w}, f) : null;
    }

    private static byte[] png(BufferedImage img) {
        try (ByteArrayOutputStream out = new ByteArrayOutputStream()) {
            if (!ImageIO.write(img, "png", out)) {
                throw new IOException("no PNG writer available in ImageIO");
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public synchronized void retire(ModelKey model) {
        ready.remove(model);
        Loaded l = loaded.remove(model);
        if (l != null) {
            closeQuietly(model, l);
        }
    }

    /** Model versions with open sessions (for tests and the console). */
    public synchronized List<ModelKey> openVersions() {
        return List.copyOf(loaded.keySet());
    }

    private static void closeQuietly(ModelKey key, Loaded l) {
        try {
            l.explainer().close();
            LOG.info("closed explanation sessions of model {}", key);
        } catch (OrtException e) {
            LOG.warn("closing sessions of {} failed: {}", key, e.getMessage());
        }
    }

    @Override
    public synchronized void close() {
        preloader.shutdownNow();
        ready.clear();
        loaded.forEach(OnnxExplanationEngine::closeQuietly);
        loaded.clear();
    }
}
