package dev.glimpse.training.model;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A sequential image classifier: input shape (channels, height, width) and layers ending in a
 * {@link Layer.Linear} whose output count is the number of classes.
 */
public record Network(String arch, int channels, int height, int width, List<Layer> layers) {

    public Network {
        layers = List.copyOf(layers);
        if (layers.isEmpty() || !(layers.get(layers.size() - 1) instanceof Layer.Linear)) {
            throw new IllegalArgumentException("network " + arch + " must end with a fully connected layer");
        }
        shapesOf(channels, height, width, layers); // validates
    }

    public static Network parse(String arch, int channels, int height, int width, String specs) {
        return new Network(arch, channels, height, width, Layer.parse(specs));
    }

    public String spec() {
        return layers.stream().map(Layer::spec).collect(Collectors.joining(","));
    }

    public int numClasses() {
        return ((Layer.Linear) layers.get(layers.size() - 1)).outFeatures();
    }

    public Layer.Linear head() {
        return (Layer.Linear) layers.get(layers.size() - 1);
    }

    /** Shapes without the batch dimension: {@code shapes().get(0)} is the input, {@code get(i+1)} layer i's output. */
    public List<int[]> shapes() {
        return shapesOf(channels, height, width, layers);
    }

    /** The same network with the last layer producing {@code classes} outputs. */
    public Network withClasses(int classes) {
        List<Layer> copy = new ArrayList<>(layers);
        copy.set(copy.size() - 1, new Layer.Linear(head().name(), classes));
        return new Network(arch, channels, height, width, copy);
    }

    private static List<int[]> shapesOf(int c, int h, int w, List<Layer> layers) {
        List<int[]> out = new ArrayList<>();
        int[] s = {c, h, w};
        out.add(s);
        for (Layer layer : layers) {
            s = outputShape(layer, s);
            out.add(s);
        }
        return out;
    }

    private static int[] outputShape(Layer layer, int[] s) {
        if (layer instanceof Layer.Conv conv) {
            require4d(layer, s);
            int oh = s[1] + 2 * conv.pad() - conv.kernel() + 1;
            int ow = s[2] + 2 * conv.pad() - conv.kernel() + 1;
            if (oh <= 0 || ow <= 0) {
                throw new IllegalArgumentException(layer.name() + ": kernel " + conv.kernel() + " larger than input "
                        + s[1] + "x" + s[2]);
            }
            return new int[]{conv.outChannels(), oh, ow};
        } else if (layer instanceof Layer.MaxPool p) {
            require4d(layer, s);
            int oh = (s[1] - p.kernel()) / p.stride() + 1;
            int ow = (s[2] - p.kernel()) / p.stride() + 1;
            if (s[1] < p.kernel() || s[2] < p.kernel()) {
                throw new IllegalArgumentException(layer.name() + ": pool " + p.kernel() + " larger than input "
                        + s[1] + "x" + s[2]);
            }
            return new int[]{s[0], oh, ow};
        } else if (layer instanceof Layer.AvgPool p) {
            require4d(layer, s);
            if (s[1] < p.kernel() || s[2] < p.kernel()) {
                throw new IllegalArgumentException(layer.name() + ": pool " + p.kernel() + " larger than input");
            }
            return new int[]{s[0], s[1] / p.kernel(), s[2] / p.kernel()};
        } else if (layer instanceof Layer.GlobalAvgPool) {
            require4d(layer, s);
            return new int[]{s[0], 1, 1};
        } else if (layer instanceof Layer.BatchNorm) {
            require4d(layer, s);
            return s;
        } else if (layer instanceof Layer.Flatten) {
            return new int[]{product(s)};
        } else if (layer instanceof Layer.Linear l) {
            if (s.length != 1) {
                throw new IllegalArgumentException(layer.name() + " needs a flat input; add 'flatten' before it");
            }
            return new int[]{l.outFeatures()};
        }
        return s; // Relu, Dropout keep the shape
    }

    private static void require4d(Layer layer, int[] s) {
        if (s.length != 3) {
            throw new IllegalArgumentException(layer.name() + " needs an image-shaped input (C,H,W), got a flat one");
        }
    }

    static int product(int[] s) {
        int p = 1;
        for (int v : s) {
            p *= v;
        }
        return p;
    }
}
