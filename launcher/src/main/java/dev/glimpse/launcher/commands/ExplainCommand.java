package dev.glimpse.launcher.commands;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtLoggingLevel;
import dev.glimpse.explain.ort.LargeStack;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import dev.glimpse.engine.onnx.Onnx;
import dev.glimpse.explain.ExplainRun;
import dev.glimpse.explain.Explainer;
import dev.glimpse.explain.Options;
import dev.glimpse.explain.Tensor;
import dev.glimpse.explain.gradient.EngineDifferentiators;
import dev.glimpse.explain.io.InputLoader;
import dev.glimpse.explain.methods.Methods;
import dev.glimpse.explain.render.Colormap;
import dev.glimpse.explain.render.ExplanationRenderer;
import dev.glimpse.explain.render.OriginalImage;
import dev.glimpse.launcher.GlimpseCommand;
import dev.glimpse.runtime.ModelMetadata;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import javax.imageio.ImageIO;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ./glimpse explain}: explanations of one input by one or more methods, written to a directory. */
@Command(name = "explain", mixinStandardHelpOptions = true,
        description = "Explain one input: DIR/<method>.npy (raw), DIR/<method>.png and DIR/summary.json.")
public final class ExplainCommand implements GlimpseCommand, Callable<Integer> {

    @Option(names = "--model", required = true, description = "ONNX model file")
    Path model;

    @Option(names = "--input", required = true, description = "PNG/JPEG (preprocessed per the model metadata) or .npy float32 [1,C,H,W]/[C,H,W] used as is")
    Path input;

    @Option(names = "--method", required = true, split = ",", description = "comma-separated methods: ${COMPLETION-CANDIDATES}",
            completionCandidates = MethodNames.class)
    List<String> methods;

    @Option(names = "--layer", description = "ONNX tensor name of the layer (default: last 4-D activation with spatial size > 1)")
    String layer;

    @Option(names = "--target", description = "class index (default: top-1)")
    Integer target;

    @Option(names = "--mask", description = "ground-truth mask PNG (non-black = object) for the pointing game")
    Path mask;

    @Option(names = "--out", required = true, description = "output directory")
    Path out;

    @Option(names = "--param", paramLabel = "KEY=VALUE", description = "method parameter, e.g. smoothgrad.samples=25, occlusion.window=16")
    Map<String, String> params = new LinkedHashMap<>();

    @Option(names = "--colormap", defaultValue = "jet", description = "jet, turbo or viridis (default: ${DEFAULT-VALUE})")
    String colormap;

    @Option(names = "--alpha", defaultValue = "0.5", description = "overlay opacity (default: ${DEFAULT-VALUE})")
    double alpha;

    @Option(names = "--batch", defaultValue = "32",
            description = "max batch per ONNX Runtime call; SmoothGrad samples and IG steps up to it go in one call (default: ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--faithfulness-steps", defaultValue = "16", description = "deletion/insertion steps, 0 = skip faithfulness (default: ${DEFAULT-VALUE})")
    int faithfulnessSteps;

    @Option(names = "--pointing-tolerance", defaultValue = "15",
            description = "pointing game tolerance in pixels of a 224-px image, scaled to the mask's larger side (default: ${DEFAULT-VALUE})")
    double tolerance;

    @Option(names = "--road-percentiles", split = ",", paramLabel = "P",
            description = "ROAD faithfulness: percentages of pixels removed by noisy linear imputation, most and least "
                    + "relevant first, e.g. 10,20,...,90 (default: none; needs --faithfulness-steps > 0)")
    List<Integer> roadPercentiles = List.of();

    @Option(names = "--road-noise", defaultValue = "0.01",
            description = "ROAD imputation noise, standard deviation in the model's input space (default: ${DEFAULT-VALUE})")
    double roadNoise;

    static final class MethodNames extends ArrayList<String> {
        MethodNames() {
            super(Methods.names());
        }
    }

    @Override
    public Integer call() throws Exception {
        // ONNX Runtime warns about every initializer the backward graph leaves unused; errors are what matter here
        OrtEnvironment.getEnvironment(OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR, "glimpse");
        // deep models recurse deeply in native ONNX Runtime code on the calling thread (see LargeStack)
        return LargeStack.call(this::execute);
    }

    private Integer execute() throws Exception {
        try {
            if (batch < 1) {
                throw new IllegalArgumentException("--batch must be >= 1, got '" + batch + "'");
            }
            var chosen = Methods.parse(String.join(",", methods));
            Onnx.ModelProto m = ModelFiles.read(model);
            if (!input.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".npy")) {
                // an image is preprocessed from the metadata, never with guessed defaults; a .npy is used as is
                Map<String, String> props = new LinkedHashMap<>();
                m.getMetadataPropsList().forEach(p -> props.put(p.getKey(), p.getValue()));
                ModelMetadata.requireContract(props, model.toString());
            }
            // one input, then the process exits: sessions that open fast beat sessions that run fast
            try (Explainer e = new Explainer(m, EngineDifferentiators.forFewCalls(), batch)) {
                Tensor x = InputLoader.load(input, m, e.inputShape(), e.shape(e.logitsName()));
                // PNG heatmaps are drawn back onto the image through the same crop/letterbox the model input had
                OriginalImage original = InputLoader.original(input, m, e.inputShape(), e.shape(e.logitsName())).orElse(null);
                Tensor maskTensor = mask == null ? null : readMask(mask);
                var settings = new ExplainRun.Settings(target, layer, new Options(params), maskTensor, faithfulnessSteps,
                        tolerance, new ExplanationRenderer(Colormap.parse(colormap), alpha), original,
                        roadPercentiles.stream().mapToInt(Integer::intValue).toArray(), roadNoise);
                var summary = ExplainRun.run(e, x, chosen, settings, out);
                System.out.printf("target %d (p=%.4f), layer %s; wrote %d method(s) to %s%n", summary.get("target").asInt(),
                        summary.get("targetProbability").asDouble(), summary.get("layer").asText(), chosen.size(), out);
                summary.get("timingsMs").properties().forEach(t -> System.out.printf("  %-22s %9.1f ms%n", t.getKey(), t.getValue().asDouble()));
            }
            return 0;
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            System.err.println("explain: " + e.getMessage());
            return 2;
        }
    }

    private static Tensor readMask(Path file) throws IOException {
        BufferedImage img = ImageIO.read(file.toFile());
        if (img == null) {
            throw new IllegalArgumentException("--mask " + file + " is not an image ImageIO can read");
        }
        float[] d = new float[img.getWidth() * img.getHeight()];
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                d[y * img.getWidth() + x] = (img.getRGB(x, y) & 0xFFFFFF) != 0 ? 1 : 0;
            }
        }
        return new Tensor(new int[] {img.getHeight(), img.getWidth()}, d);
    }
}
