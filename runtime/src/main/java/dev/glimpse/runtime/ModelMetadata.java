package dev.glimpse.runtime;

import static dev.glimpse.runtime.ModelMetadataKeys.EMBEDDING_OUTPUT;
import static dev.glimpse.runtime.ModelMetadataKeys.INPUT_COLOUR;
import static dev.glimpse.runtime.ModelMetadataKeys.INPUT_CROP;
import static dev.glimpse.runtime.ModelMetadataKeys.INPUT_MEAN;
import static dev.glimpse.runtime.ModelMetadataKeys.INPUT_RESIZE;
import static dev.glimpse.runtime.ModelMetadataKeys.INPUT_RESIZE_MODE;
import static dev.glimpse.runtime.ModelMetadataKeys.INPUT_SCALE;
import static dev.glimpse.runtime.ModelMetadataKeys.INPUT_SIZE;
import static dev.glimpse.runtime.ModelMetadataKeys.INPUT_STD;
import static dev.glimpse.runtime.ModelMetadataKeys.LABELS;
import static dev.glimpse.runtime.ModelMetadataKeys.METRICS;
import static dev.glimpse.runtime.ModelMetadataKeys.NAME;
import static dev.glimpse.runtime.ModelMetadataKeys.OUTPUT_KIND;
import static dev.glimpse.runtime.ModelMetadataKeys.PARENT_VERSION;
import static dev.glimpse.runtime.ModelMetadataKeys.TRAINING_WINDOW;
import static dev.glimpse.runtime.ModelMetadataKeys.VERSION;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A classifier's Glimpse metadata (ONNX {@code metadata_props}, keys in {@link ModelMetadataKeys}), validated once
 * with the documented defaults filled in. Immutable.
 *
 * @param labels          class names in output order; empty when neither the metadata nor a static output shape
 *                        tells the class count (then {@link #labelOf(int)} answers the index)
 * @param mean            per-channel mean, length = channels of {@code colour}
 * @param std             per-channel std, length = channels of {@code colour}
 * @param embeddingOutput tensor holding the penultimate-layer embedding, when the model names it
 * @param resizing        how an image is resized and cropped to {@code height x width}
 * @param scale           pixel values are divided by this before mean/std (255 = ToTensor)
 */
public record ModelMetadata(String name, String version, String parentVersion, List<String> labels,
                            InputColour colour, int height, int width, float[] mean, float[] std,
                            String trainingWindow, Map<String, Double> metrics, Optional<String> embeddingOutput,
                            OutputKind outputKind, Resizing resizing, float scale) {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern SIZE = Pattern.compile("\\s*(\\d+)\\s*[xX,]\\s*(\\d+)\\s*");
    private static final int DEFAULT_SIZE = 224;
    private static final float DEFAULT_SCALE = 255f;

    public ModelMetadata {
        labels = List.copyOf(labels);
        mean = mean.clone();
        std = std.clone();
        metrics = Collections.unmodifiableMap(new LinkedHashMap<>(metrics));
        if (mean.length != colour.channels() || std.length != colour.channels()) {
            throw new IllegalArgumentException("mean/std need " + colour.channels() + " values for " + colour.key());
        }
        if (height <= 0 || width <= 0) {
            throw new IllegalArgumentException("input size must be positive, got " + height + "x" + width);
        }
        if (resizing == null) {
            throw new IllegalArgumentException("resizing is required");
        }
        if (!(scale > 0) || Float.isInfinite(scale)) {
            throw new IllegalArgumentException("scale must be a positive number, got " + scale);
        }
    }

    /** Metadata that stretches images to the model size and scales by 255 (what models with only a size get). */
    public ModelMetadata(String name, String version, String parentVersion, List<String> labels,
                         InputColour colour, int height, int width, float[] mean, float[] std,
                         String trainingWindow, Map<String, Double> metrics, Optional<String> embeddingOutput,
                         OutputKind outputKind) {
        this(name, version, parentVersion, labels, colour, height, width, mean, std, trainingWindow, metrics,
                embeddingOutput, outputKind, Resizing.STRETCH, DEFAULT_SCALE);
    }

    /**
     * Refuses a model without a preprocessing contract: throws when any of {@link ModelMetadataKeys#CONTRACT} is
     * missing from {@code props}, with one line naming the missing keys and the command that writes them.
     *
     * @param model how the user named the model (a path), quoted in the message and the suggested command
     * @throws MissingModelContractException when a key is missing
     */
    public static void requireContract(Map<String, String> props, String model) {
        List<String> missing = ModelMetadataKeys.CONTRACT.stream().filter(k -> text(props, k).isEmpty()).toList();
        if (!missing.isEmpty()) {
            throw new MissingModelContractException(model, missing);
        }
    }

    /** {@link #requireContract(Map, String)} for a model file; reads only its {@code metadata_props}. */
    public static void requireContract(java.nio.file.Path model) throws java.io.IOException {
        requireContract(OnnxMetadataProps.read(model), model.toString());
    }

    /** {@link #requireContract(Map, String)} for an open session. */
    public static void requireContract(OrtSession session, String model) throws OrtException {
        requireContract(session.getMetadata().getCustomMetadata(), model);
    }

    /** Reads the metadata of an open session, taking defaults from its first input and output. */
    public static ModelMetadata read(OrtSession session) throws OrtException {
        return parse(session.getMetadata().getCustomMetadata(), GraphFacts.of(session));
    }

    /**
     * Validates {@code props} against the graph and fills in defaults.
     *
     * @throws InvalidModelMetadataException naming the key and quoting the value that is wrong
     */
    public static ModelMetadata parse(Map<String, String> props, GraphFacts graph) {
        String name = text(props, NAME).orElse(graph.graphName() == null || graph.graphName().isBlank()
                ? "model" : graph.graphName());
        String version = text(props, VERSION).orElse("0");
        if (version.chars().anyMatch(Character::isWhitespace)) {
            throw new InvalidModelMetadataException(VERSION, version, "a version must not contain whitespace");
        }
        String parent = text(props, PARENT_VERSION).orElse("");

        int classes = graph.classCount();
        List<String> labels = text(props, LABELS).map(v -> parseLabels(v, classes)).orElseGet(() -> indexLabels(classes));

        int channels = graph.inputChannels();
        InputColour colour = text(props, INPUT_COLOUR).map(v -> parseColour(v, channels))
                .orElse(channels == 1 ? InputColour.GRAY : InputColour.RGB);
        if (channels > 0 && channels != 1 && channels != 3) {
            throw new IllegalArgumentException("model input '" + graph.inputName() + "' has " + channels
                    + " channels; Glimpse classifiers take 1 (gray) or 3 (rgb)");
        }

        int[] size = text(props, INPUT_SIZE).map(v -> parseSize(v, graph)).orElseGet(() -> new int[] {
                graph.inputHeight() > 0 ? graph.inputHeight() : DEFAULT_SIZE,
                graph.inputWidth() > 0 ? graph.inputWidth() : DEFAULT_SIZE});

        float[] mean = text(props, INPUT_MEAN).map(v -> parseChannelValues(INPUT_MEAN, v, colour, false))
                .orElse(fill(colour, 0f));
        float[] std = text(props, INPUT_STD).map(v -> parseChannelValues(INPUT_STD, v, colour, true))
                .orElse(fill(colour, 1f));
        String window = text(props, TRAINING_WINDOW).orElse("");
        Map<String, Double> metrics = text(props, METRICS).map(ModelMetadata::parseMetrics).orElse(Map.of());
        Optional<String> embedding = text(props, EMBEDDING_OUTPUT);
        OutputKind kind = text(props, OUTPUT_KIND).map(ModelMetadata::parseOutputKind).orElse(OutputKind.LOGITS);
        Resizing resizing = parseResizing(props, size);
        float scale = text(props, INPUT_SCALE).map(v -> parseScale(v)).orElse(DEFAULT_SCALE);
        return new ModelMetadata(name, version, parent, labels, colour, size[0], size[1], mean, std, window, metrics,
                embedding, kind, resizing, scale);
    }

    private static Resizing parseResizing(Map<String, String> props, int[] size) {
        Optional<String> modeText = text(props, INPUT_RESIZE_MODE);
        Optional<String> resizeText = text(props, INPUT_RESIZE);
        Optional<String> cropText = text(props, INPUT_CROP);
        ResizeMode mode = modeText.map(v -> {
            ResizeMode m = ResizeMode.ofKey(v);
            if (m == null) {
                throw new InvalidModelMetadataException(INPUT_RESIZE_MODE, v, "expected shorter, stretch or letterbox");
            }
            return m;
        }).orElse(resizeText.isPresent() ? ResizeMode.SHORTER : ResizeMode.STRETCH);
        int resize = resizeText.map(v -> {
            try {
                int r = Integer.parseInt(v);
                if (r > 0 && r <= 16384) {
                    return r;
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            throw new InvalidModelMetadataException(INPUT_RESIZE, v, "expected a whole number of pixels, 1..16384");
        }).orElse(mode == ResizeMode.SHORTER ? Math.min(size[0], size[1]) : 0);
        CropMode crop = cropText.map(v -> {
            CropMode c = CropMode.ofKey(v);
            if (c == null) {
                throw new InvalidModelMetadataException(INPUT_CROP, v, "expected center or none");
            }
            return c;
        }).orElse(mode == ResizeMode.SHORTER || (mode == ResizeMode.STRETCH && resize > 0) ? CropMode.CENTER : CropMode.NONE);
        try {
            return new Resizing(mode, resize, crop);
        } catch (IllegalArgumentException e) {
            String key = cropText.isPresent() ? INPUT_CROP : resizeText.isPresent() ? INPUT_RESIZE : INPUT_RESIZE_MODE;
            throw new InvalidModelMetadataException(key, props.get(key) == null ? "" : props.get(key).trim(), e.getMessage());
        }
    }

    private static float parseScale(String value) {
        try {
            float f = Float.parseFloat(value);
            if (f > 0 && !Float.isInfinite(f)) {
                return f;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new InvalidModelMetadataException(INPUT_SCALE, value, "expected a positive number, e.g. 255");
    }

    /** The metadata as {@code metadata_props} entries, for writers of models (round-trips through {@link #parse}). */
    public Map<String, String> toProperties() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put(NAME, name);
        p.put(VERSION, version);
        if (!parentVersion.isEmpty()) {
            p.put(PARENT_VERSION, parentVersion);
        }
        ArrayNode labelArray = JSON.createArrayNode();
        labels.forEach(labelArray::add);
        p.put(LABELS, labelArray.toString());
        p.put(INPUT_COLOUR, colour.key());
        p.put(INPUT_SIZE, height + "x" + width);
        p.put(INPUT_MEAN, floats(mean));
        p.put(INPUT_STD, floats(std));
        p.put(INPUT_RESIZE_MODE, resizing.mode().key());
        if (resizing.resize() > 0) {
            p.put(INPUT_RESIZE, Integer.toString(resizing.resize()));
        }
        p.put(INPUT_CROP, resizing.crop().key());
        p.put(INPUT_SCALE, scale == Math.rint(scale) ? Integer.toString((int) scale) : Float.toString(scale));
        if (!trainingWindow.isEmpty()) {
            p.put(TRAINING_WINDOW, trainingWindow);
        }
        ObjectNode m = JSON.createObjectNode();
        metrics.forEach(m::put);
        p.put(METRICS, m.toString());
        embeddingOutput.ifPresent(e -> p.put(EMBEDDING_OUTPUT, e));
        p.put(OUTPUT_KIND, outputKind.key());
        return p;
    }

    /** The label of class {@code index}, or the index itself when the model has no label for it. */
    public String labelOf(int index) {
        return index >= 0 && index < labels.size() ? labels.get(index) : Integer.toString(index);
    }

    public int channels() {
        return colour.channels();
    }

    @Override
    public float[] mean() {
        return mean.clone();
    }

    @Override
    public float[] std() {
        return std.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ModelMetadata m && m.name.equals(name) && m.version.equals(version)
                && m.parentVersion.equals(parentVersion) && m.labels.equals(labels) && m.colour == colour
                && m.height == height && m.width == width && Arrays.equals(m.mean, mean) && Arrays.equals(m.std, std)
                && m.trainingWindow.equals(trainingWindow) && m.metrics.equals(metrics)
                && m.embeddingOutput.equals(embeddingOutput) && m.outputKind == outputKind
                && m.resizing.equals(resizing) && Float.compare(m.scale, scale) == 0;
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + version.hashCode();
    }

    @Override
    public String toString() {
        return "ModelMetadata[" + name + " v" + version + (parentVersion.isEmpty() ? "" : " (from v" + parentVersion + ")")
                + ", " + labels.size() + " classes, " + colour.key() + " " + height + "x" + width
                + ", " + resizing.mode().key() + (resizing.resize() > 0 ? " " + resizing.resize() : "")
                + (resizing.crop() == CropMode.CENTER ? " + center crop" : "") + ", scale " + scale
                + ", mean " + Arrays.toString(mean) + ", std " + Arrays.toString(std)
                + embeddingOutput.map(e -> ", embedding " + e).orElse("") + ", " + outputKind.key() + "]";
    }

    private static Optional<String> text(Map<String, String> props, String key) {
        String v = props.get(key);
        return v == null || v.isBlank() ? Optional.empty() : Optional.of(v.trim());
    }

    private static List<String> indexLabels(int classes) {
        List<String> labels = new ArrayList<>();
        for (int i = 0; i < Math.max(0, classes); i++) {
            labels.add(Integer.toString(i));
        }
        return labels;
    }

    private static List<String> parseLabels(String value, int classes) {
        List<String> labels = new ArrayList<>();
        JsonNode node = json(LABELS, value, "expected a JSON array of strings, e.g. [\"cat\",\"dog\"]");
        if (!node.isArray() || node.isEmpty()) {
            throw new InvalidModelMetadataException(LABELS, value, "expected a non-empty JSON array of strings");
        }
        for (JsonNode n : node) {
            if (!n.isTextual()) {
                throw new InvalidModelMetadataException(LABELS, value, "element " + n + " is not a string");
            }
            labels.add(n.asText());
        }
        if (classes > 0 && labels.size() != classes) {
            throw new InvalidModelMetadataException(LABELS, value, "has " + labels.size()
                    + " labels but the model outputs " + classes + " classes");
        }
        return labels;
    }

    private static InputColour parseColour(String value, int channels) {
        InputColour colour = switch (value.toLowerCase(Locale.ROOT)) {
            case "gray", "grey", "grayscale", "l" -> InputColour.GRAY;
            case "rgb" -> InputColour.RGB;
            default -> throw new InvalidModelMetadataException(INPUT_COLOUR, value, "expected gray or rgb");
        };
        if (channels > 0 && channels != colour.channels()) {
            throw new InvalidModelMetadataException(INPUT_COLOUR, value, "the model input has " + channels
                    + " channel(s), " + colour.key() + " needs " + colour.channels());
        }
        return colour;
    }

    private static int[] parseSize(String value, GraphFacts graph) {
        Matcher m = SIZE.matcher(value);
        if (!m.matches()) {
            throw new InvalidModelMetadataException(INPUT_SIZE, value, "expected HxW, e.g. 28x28");
        }
        int h;
        int w;
        try {
            h = Integer.parseInt(m.group(1));
            w = Integer.parseInt(m.group(2));
        } catch (NumberFormatException e) {
            throw new InvalidModelMetadataException(INPUT_SIZE, value, "numbers out of range");
        }
        if (h <= 0 || w <= 0 || (long) h * w > 64L * 1024 * 1024) {
            throw new InvalidModelMetadataException(INPUT_SIZE, value, "height and width must be positive and at most 64 Mpx");
        }
        if ((graph.inputHeight() > 0 && graph.inputHeight() != h) || (graph.inputWidth() > 0 && graph.inputWidth() != w)) {
            throw new InvalidModelMetadataException(INPUT_SIZE, value, "the model input is "
                    + graph.inputHeight() + "x" + graph.inputWidth());
        }
        return new int[] {h, w};
    }

    private static float[] parseChannelValues(String key, String value, InputColour colour, boolean positive) {
        List<Double> values = new ArrayList<>();
        JsonNode node = json(key, value, "expected a number or a JSON array of numbers");
        if (node.isNumber()) {
            values.add(node.asDouble());
        } else if (node.isArray()) {
            for (JsonNode n : node) {
                if (!n.isNumber()) {
                    throw new InvalidModelMetadataException(key, value, "element " + n + " is not a number");
                }
                values.add(n.asDouble());
            }
        } else {
            throw new InvalidModelMetadataException(key, value, "expected a number or a JSON array of numbers");
        }
        if (values.size() != 1 && values.size() != colour.channels()) {
            throw new InvalidModelMetadataException(key, value, "expected 1 or " + colour.channels()
                    + " values for " + colour.key() + " input, got " + values.size());
        }
        float[] out = new float[colour.channels()];
        for (int c = 0; c < out.length; c++) {
            double v = values.get(values.size() == 1 ? 0 : c);
            if (!Double.isFinite(v) || (positive && v <= 0)) {
                throw new InvalidModelMetadataException(key, value, positive
                        ? "every value must be a finite number > 0" : "every value must be finite");
            }
            out[c] = (float) v;
        }
        return out;
    }

    private static Map<String, Double> parseMetrics(String value) {
        JsonNode node = json(METRICS, value, "expected a JSON object of numbers, e.g. {\"accuracy\":0.9}");
        if (!node.isObject()) {
            throw new InvalidModelMetadataException(METRICS, value, "expected a JSON object of numbers");
        }
        Map<String, Double> metrics = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().isNumber()) {
                throw new InvalidModelMetadataException(METRICS, value, "metric '" + e.getKey() + "' is not a number");
            }
            metrics.put(e.getKey(), e.getValue().asDouble());
        }
        return metrics;
    }

    private static OutputKind parseOutputKind(String value) {
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "logits" -> OutputKind.LOGITS;
            case "probabilities", "probs", "softmax" -> OutputKind.PROBABILITIES;
            default -> throw new InvalidModelMetadataException(OUTPUT_KIND, value, "expected logits or probabilities");
        };
    }

    private static JsonNode json(String key, String value, String expectation) {
        try {
            return JSON.readTree(value);
        } catch (JsonProcessingException e) {
            throw new InvalidModelMetadataException(key, value, expectation);
        }
    }

    private static float[] fill(InputColour colour, float v) {
        float[] a = new float[colour.channels()];
        Arrays.fill(a, v);
        return a;
    }

    private static String floats(float[] values) {
        ArrayNode a = JSON.createArrayNode();
        for (float v : values) {
            a.add(v);
        }
        return a.toString();
    }
}
