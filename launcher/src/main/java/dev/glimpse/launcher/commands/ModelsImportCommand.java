package dev.glimpse.launcher.commands;

import ai.onnxruntime.TensorInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.glimpse.engine.onnx.Onnx;
import dev.glimpse.runtime.CropMode;
import dev.glimpse.runtime.GraphFacts;
import dev.glimpse.runtime.InvalidModelMetadataException;
import dev.glimpse.runtime.ModelMetadata;
import dev.glimpse.runtime.ModelMetadataKeys;
import dev.glimpse.runtime.OrtSessions;
import dev.glimpse.runtime.Preprocessor;
import dev.glimpse.runtime.ResizeMode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ./glimpse models import}: gives a user's ONNX classifier its preprocessing contract (docs/model-contract.md)
 * — writes the metadata into a copy, checks it against the graph, runs one probe forward pass, prints the contract.
 * Importing an imported model updates it: options override what it carries, the rest is kept.
 */
@Command(name = "import", sortOptions = false,
        description = "Write a model's preprocessing contract (glimpse.* metadata) into a copy of it, check it "
                + "against the graph, run one probe forward pass and print the contract.")
final class ModelsImportCommand implements Callable<Integer> {

    @Mixin
    HelpOption help = new HelpOption();

    private static final Pattern SIZE = Pattern.compile("(\\d+)(?:[xX](\\d+))?");
    private static final ObjectMapper JSON = new ObjectMapper();

    @Option(names = "--model", required = true, description = "the ONNX model to import")
    Path model;

    @Option(names = "--out", required = true, description = "where to write the model with its contract (may equal --model)")
    Path out;

    @Option(names = "--name", description = "model name (default: the model's glimpse.name, else the file name)")
    String name;

    @Option(names = "--version", description = "model version (default: the model's glimpse.version, else its ONNX model_version, else 1)")
    String version;

    @Option(names = "--labels", description = "class labels: a file with one label per line, or a JSON array")
    Path labels;

    @Option(names = "--preset", description = "imagenet (rgb, resize shorter side 256, center crop 224, ImageNet mean/std) or none (default)")
    String preset;

    @Option(names = "--colour", description = "rgb or gray (default: preset, else the model's, else from the input's channels)")
    String colour;

    @Option(names = "--size", description = "input size S or HxW (default: preset, else the model's, else the graph's static size)")
    String size;

    @Option(names = "--resize", description = "resize the shorter side to R pixels before the crop (torchvision Resize(R))")
    Integer resize;

    @Option(names = "--crop", description = "center or none")
    String crop;

    @Option(names = "--resize-mode", description = "shorter, stretch or letterbox (black padding)")
    String resizeMode;

    @Option(names = "--mean", description = "per-channel mean after scaling, comma-separated, e.g. 0.485,0.456,0.406")
    String mean;

    @Option(names = "--std", description = "per-channel std, comma-separated, e.g. 0.229,0.224,0.225")
    String std;

    @Option(names = "--scale", description = "pixels are divided by this before mean/std (default: 255)")
    Float scale;

    @Override
    public Integer call() throws Exception {
        try {
            return execute();
        } catch (IllegalArgumentException e) {
            System.err.println("models import: " + e.getMessage());
            return 2;
        } catch (OrtException e) {
            System.err.println("models import: ONNX Runtime cannot run " + model + ": " + e.getMessage().lines().findFirst().orElse(""));
            return 2;
        }
    }

    private Integer execute() throws Exception {
        Onnx.ModelProto proto = ModelFiles.read(model);
        GraphFacts graph;
        try (OrtSession session = OrtSessions.environment().createSession(proto.toByteArray())) {
            graph = GraphFacts.of(session);
        } catch (OrtException e) {
            throw new IllegalArgumentException("--model " + model + " cannot be loaded by ONNX Runtime: "
                    + e.getMessage().lines().findFirst().orElse(""));
        }
        if (graph.inputShape().length != 4) {
            throw new IllegalArgumentException("model input '" + graph.inputName() + "' has shape "
                    + Arrays.toString(graph.inputShape()) + "; an image classifier takes [N,C,H,W]");
        }
        Map<String, String> props = new LinkedHashMap<>();
        proto.getMetadataPropsList().forEach(p -> props.put(p.getKey(), p.getValue()));
        Map<String, String> contract = contract(props, proto, graph);
        props.putAll(contract);

        ModelMetadata meta;
        try {
            meta = ModelMetadata.parse(props, graph);
        } catch (InvalidModelMetadataException e) {
            throw new IllegalArgumentException(optionOf(e.key()) + ": " + e.getMessage());
        }
        // what parse validated is what we write, normalised (e.g. labels as a JSON array)
        props.values().removeIf(String::isBlank);
        props.putAll(meta.toProperties());
        Onnx.ModelProto.Builder b = proto.toBuilder().clearMetadataProps();
        props.forEach((k, v) -> b.addMetadataProps(Onnx.StringStringEntryProto.newBuilder().setKey(k).setValue(v)));
        byte[] bytes = b.build().toByteArray();

        String probe = probe(bytes, meta);
        Path parent = out.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Files.write(out, bytes);
        System.out.print(describe(meta, graph, probe));
        return 0;
    }

    /** The contract keys from options, preset, the model's own metadata and the graph, in that order of precedence. */
    private Map<String, String> contract(Map<String, String> existing, Onnx.ModelProto proto, GraphFacts graph) throws IOException {
        Map<String, String> c = new LinkedHashMap<>();
        String p = preset == null ? "none" : preset.toLowerCase(Locale.ROOT);
        if (p.equals("imagenet")) {
            c.put(ModelMetadataKeys.INPUT_COLOUR, "rgb");
            c.put(ModelMetadataKeys.INPUT_SIZE, "224x224");
            c.put(ModelMetadataKeys.INPUT_RESIZE_MODE, "shorter");
            c.put(ModelMetadataKeys.INPUT_RESIZE, "256");
            c.put(ModelMetadataKeys.INPUT_CROP, "center");
            c.put(ModelMetadataKeys.INPUT_MEAN, "[0.485,0.456,0.406]");
            c.put(ModelMetadataKeys.INPUT_STD, "[0.229,0.224,0.225]");
            c.put(ModelMetadataKeys.INPUT_SCALE, "255");
        } else if (!p.equals("none")) {
            throw new IllegalArgumentException("--preset must be imagenet or none, got '" + preset + "'");
        }
        c.put(ModelMetadataKeys.NAME, name != null ? name : existing.getOrDefault(ModelMetadataKeys.NAME, stem(model)));
        c.put(ModelMetadataKeys.VERSION, version != null ? version : existing.getOrDefault(ModelMetadataKeys.VERSION,
                proto.getModelVersion() > 0 ? Long.toString(proto.getModelVersion()) : "1"));
        if (colour != null) {
            c.put(ModelMetadataKeys.INPUT_COLOUR, colour);
        }
        c.computeIfAbsent(ModelMetadataKeys.INPUT_COLOUR, k -> existing.getOrDefault(k,
                graph.inputChannels() == 1 ? "gray" : graph.inputChannels() == 3 ? "rgb" : null));
        if (c.get(ModelMetadataKeys.INPUT_COLOUR) == null) {
            throw new IllegalArgumentException("the model input has a dynamic channel dimension: pass --colour rgb or gray");
        }
        int channels = c.get(ModelMetadataKeys.INPUT_COLOUR).toLowerCase(Locale.ROOT).startsWith("gr") ? 1 : 3;
        if (size != null) {
            c.put(ModelMetadataKeys.INPUT_SIZE, parseSize(size));
        }
        c.computeIfAbsent(ModelMetadataKeys.INPUT_SIZE, k -> existing.getOrDefault(k,
                graph.inputHeight() > 0 && graph.inputWidth() > 0 ? graph.inputHeight() + "x" + graph.inputWidth() : null));
        if (c.get(ModelMetadataKeys.INPUT_SIZE) == null) {
            throw new IllegalArgumentException("the model input has dynamic height/width: pass --size S or --size HxW");
        }
        if (resizeMode != null) {
            if (ResizeMode.ofKey(resizeMode) == null) {
                throw new IllegalArgumentException("--resize-mode must be shorter, stretch or letterbox, got '" + resizeMode + "'");
            }
            c.put(ModelMetadataKeys.INPUT_RESIZE_MODE, resizeMode.toLowerCase(Locale.ROOT));
            if (resize == null && !resizeMode.equalsIgnoreCase("shorter")) {
                // neither a preset's nor an earlier import's resize applies to stretch/letterbox: blank = removed
                c.put(ModelMetadataKeys.INPUT_RESIZE, "");
            }
        }
        if (resize != null) {
            if (resize < 1) {
                throw new IllegalArgumentException("--resize must be a positive number of pixels, got '" + resize + "'");
            }
            c.put(ModelMetadataKeys.INPUT_RESIZE, Integer.toString(resize));
        }
        if (crop != null) {
            if (CropMode.ofKey(crop) == null) {
                throw new IllegalArgumentException("--crop must be center or none, got '" + crop + "'");
            }
            c.put(ModelMetadataKeys.INPUT_CROP, crop.toLowerCase(Locale.ROOT));
        } else if (resizeMode != null && !resizeMode.equalsIgnoreCase("shorter") && resize == null) {
            c.put(ModelMetadataKeys.INPUT_CROP, "none");
        }
        if (mean != null) {
            c.put(ModelMetadataKeys.INPUT_MEAN, channelValues("--mean", mean, channels));
        }
        if (std != null) {
            c.put(ModelMetadataKeys.INPUT_STD, channelValues("--std", std, channels));
        }
        for (String key : List.of(ModelMetadataKeys.INPUT_MEAN, ModelMetadataKeys.INPUT_STD)) {
            if (!c.containsKey(key) && !existing.containsKey(key)) {
                // no silent defaults: the normalisation is part of the contract and cannot be read from the graph
                throw new IllegalArgumentException("no " + (key.endsWith("mean") ? "--mean" : "--std") + " given and the model has"
                        + " none: pass --mean and --std (e.g. --mean 0 --std 1 for inputs in [0,1]) or --preset imagenet");
            }
        }
        if (scale != null) {
            c.put(ModelMetadataKeys.INPUT_SCALE, Float.toString(scale));
        }
        if (labels != null) {
            List<String> list = readLabels(labels);
            if (graph.classCount() > 0 && list.size() != graph.classCount()) {
                throw new IllegalArgumentException("--labels " + labels + " has " + list.size() + " labels but the model outputs "
                        + graph.classCount() + " classes");
            }
            ArrayNode a = JSON.createArrayNode();
            list.forEach(a::add);
            c.put(ModelMetadataKeys.LABELS, a.toString());
        }
        if (!existing.containsKey(ModelMetadataKeys.OUTPUT_KIND)) {
            c.put(ModelMetadataKeys.OUTPUT_KIND, endsInSoftmax(proto) ? "probabilities" : "logits");
        }
        return c;
    }

    /** One forward pass of a mid-gray image through the real preprocessing; returns a line describing it. */
    private static String probe(byte[] model, ModelMetadata meta) throws OrtException {
        Preprocessor preprocessor = new Preprocessor(meta);
        int side = Math.max(meta.height(), meta.width());
        byte[] gray = new byte[side * side];
        Arrays.fill(gray, (byte) 128);
        float[] x = preprocessor.fromPixels(gray, side, side, 1);
        long start = System.nanoTime();
        try (OrtSession session = OrtSessions.environment().createSession(model);
             OnnxTensor input = preprocessor.batch(OrtSessions.environment(), List.of(x));
             OrtSession.Result result = session.run(Map.of(session.getInputNames().iterator().next(), input))) {
            OnnxValue first = result.get(0);
            long[] shape = ((TensorInfo) first.getInfo()).getShape();
            double ms = (System.nanoTime() - start) / 1e6;
            if (shape.length != 2) {
                throw new IllegalArgumentException("the probe forward pass gave output shape " + Arrays.toString(shape)
                        + "; a classifier outputs [N,classes]");
            }
            if (!meta.labels().isEmpty() && shape[1] != meta.labels().size()) {
                throw new IllegalArgumentException("the model has " + meta.labels().size() + " labels but its probe forward"
                        + " pass outputs " + shape[1] + " classes: pass --labels with " + shape[1] + " labels");
            }
            return String.format(Locale.ROOT, "probe: one forward pass on ONNX Runtime (CPU) of a mid-gray image: output %s in %.1f ms",
                    Arrays.toString(shape), ms);
        }
    }

    private String describe(ModelMetadata meta, GraphFacts graph, String probe) {
        StringBuilder sb = new StringBuilder();
        sb.append("imported ").append(model).append(" -> ").append(out).append('\n');
        sb.append(String.format(Locale.ROOT, "  graph: input '%s' %s, output '%s' %s%n", graph.inputName(),
                Arrays.toString(graph.inputShape()), graph.outputName(), Arrays.toString(graph.outputShape())));
        sb.append("  contract (metadata_props):\n");
        meta.toProperties().forEach((k, v) -> {
            if (!k.equals(ModelMetadataKeys.METRICS) || !v.equals("{}")) {
                sb.append(String.format(Locale.ROOT, "    %-26s %s%n", k, abbreviate(v)));
            }
        });
        sb.append("  preprocessing: decode (EXIF orientation ignored) -> ").append(meta.colour().key())
                .append(" -> ").append(steps(meta)).append(" -> x/").append(trim(meta.scale()))
                .append(" -> (x - mean) / std -> float32 [1,").append(meta.channels()).append(',').append(meta.height())
                .append(',').append(meta.width()).append("]\n");
        sb.append("  ").append(probe).append('\n');
        return sb.toString();
    }

    private static String steps(ModelMetadata meta) {
        var r = meta.resizing();
        String size = meta.height() + "x" + meta.width();
        return switch (r.mode()) {
            case SHORTER -> "resize shorter side to " + r.resize() + " (PIL bilinear, antialiased) -> center crop " + size;
            case STRETCH -> r.crop() == CropMode.CENTER
                    ? "stretch to " + r.resize() + " (PIL bilinear, antialiased) -> center crop " + size
                    : "stretch to " + size + " (PIL bilinear, antialiased)";
            case LETTERBOX -> "letterbox into " + size + " (PIL bilinear, antialiased; black padding)";
        };
    }

    private static String abbreviate(String v) {
        return v.length() <= 100 ? v : v.substring(0, 96) + " ...";
    }

    private static String trim(float f) {
        return f == Math.rint(f) ? Integer.toString((int) f) : Float.toString(f);
    }

    private static String optionOf(String key) {
        return switch (key) {
            case ModelMetadataKeys.LABELS -> "--labels";
            case ModelMetadataKeys.INPUT_COLOUR -> "--colour";
            case ModelMetadataKeys.INPUT_SIZE -> "--size";
            case ModelMetadataKeys.INPUT_MEAN -> "--mean";
            case ModelMetadataKeys.INPUT_STD -> "--std";
            case ModelMetadataKeys.INPUT_RESIZE -> "--resize";
            case ModelMetadataKeys.INPUT_CROP -> "--crop";
            case ModelMetadataKeys.INPUT_RESIZE_MODE -> "--resize-mode";
            case ModelMetadataKeys.INPUT_SCALE -> "--scale";
            case ModelMetadataKeys.VERSION -> "--version";
            default -> key;
        };
    }

    private static String parseSize(String s) {
        Matcher m = SIZE.matcher(s.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("--size must be S or HxW, e.g. 224 or 224x224, got '" + s + "'");
        }
        return m.group(1) + "x" + (m.group(2) == null ? m.group(1) : m.group(2));
    }

    private static String channelValues(String option, String text, int channels) {
        String[] parts = text.replace("[", "").replace("]", "").split(",");
        if (parts.length != channels) {
            throw new IllegalArgumentException(option + " has " + parts.length + " value(s) but the " + (channels == 1 ? "gray" : "rgb")
                    + " input has " + channels + " channel(s): '" + text + "'");
        }
        ArrayNode a = JSON.createArrayNode();
        for (String p : parts) {
            try {
                a.add(Double.parseDouble(p.trim()));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(option + " value '" + p.trim() + "' is not a number");
            }
        }
        return a.toString();
    }

    private static List<String> readLabels(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("--labels " + file + " is not a readable file");
        }
        String text = Files.readString(file, StandardCharsets.UTF_8).strip();
        List<String> list = new ArrayList<>();
        if (text.startsWith("[")) {
            try {
                JsonNode node = JSON.readTree(text);
                for (JsonNode n : node) {
                    if (!n.isTextual()) {
                        throw new IllegalArgumentException("--labels " + file + ": element " + n + " is not a string");
                    }
                    list.add(n.asText());
                }
            } catch (JsonProcessingException e) {
                throw new IllegalArgumentException("--labels " + file + " starts with '[' but is not a JSON array: "
                        + e.getOriginalMessage());
            }
        } else {
            text.lines().map(String::strip).forEach(list::add);
        }
        if (list.isEmpty() || list.stream().anyMatch(String::isEmpty)) {
            throw new IllegalArgumentException("--labels " + file + " has an empty label (one label per line, no blank lines)");
        }
        return list;
    }

    private static boolean endsInSoftmax(Onnx.ModelProto proto) {
        String output = proto.getGraph().getOutput(0).getName();
        return proto.getGraph().getNodeList().stream()
                .anyMatch(n -> n.getOutputList().contains(output) && n.getOpType().equals("Softmax"));
    }

    private static String stem(Path file) {
        String n = file.getFileName().toString();
        return n.endsWith(".onnx") ? n.substring(0, n.length() - 5) : n;
    }
}
