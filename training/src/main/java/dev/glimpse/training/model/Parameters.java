package dev.glimpse.training.model;

import java.util.Arrays;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The state of a {@link Network}: weights, biases and batch-norm buffers by name, in layer order.
 * Initialisation: He (Kaiming normal, fan-in) for layers followed by ReLU, Xavier (Glorot uniform) for the
 * classifier head; biases zero; batch-norm gamma 1, beta 0, running mean 0, running var 1.
 */
public final class Parameters {

    private final Map<String, ParamTensor> tensors;

    public Parameters(Collection<ParamTensor> tensors) {
        this.tensors = new LinkedHashMap<>();
        for (ParamTensor t : tensors) {
            this.tensors.put(t.name(), t);
        }
    }

    public static Parameters initialize(Network network, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        List<ParamTensor> out = new ArrayList<>();
        List<int[]> shapes = network.shapes();
        List<Layer> layers = network.layers();
        for (int i = 0; i < layers.size(); i++) {
            Layer layer = layers.get(i);
            int[] in = shapes.get(i);
            boolean last = i == layers.size() - 1;
            out.addAll(initLayer(layer, in, last, rng));
        }
        return new Parameters(out);
    }

    /** Fresh parameters for one layer (used when a head is replaced). */
    public static List<ParamTensor> initLayer(Layer layer, int[] in, boolean head, SplittableRandom rng) {
        List<ParamTensor> out = new ArrayList<>();
        {
            if (layer instanceof Layer.Conv c) {
                int fanIn = in[0] * c.kernel() * c.kernel();
                out.add(new ParamTensor(c.name() + ".weight", new long[]{c.outChannels(), in[0], c.kernel(), c.kernel()},
                        he(rng, c.outChannels() * fanIn, fanIn), false));
                if (c.bias()) {
                    out.add(new ParamTensor(c.name() + ".bias", new long[]{c.outChannels()}, new float[c.outChannels()], false));
                }
            } else if (layer instanceof Layer.Linear l) {
                int fanIn = in[0];
                float[] w = head ? xavier(rng, l.outFeatures() * fanIn, fanIn, l.outFeatures())
                        : he(rng, l.outFeatures() * fanIn, fanIn);
                out.add(new ParamTensor(l.name() + ".weight", new long[]{l.outFeatures(), fanIn}, w, false));
                out.add(new ParamTensor(l.name() + ".bias", new long[]{l.outFeatures()}, new float[l.outFeatures()], false));
            } else if (layer instanceof Layer.BatchNorm b) {
                int c = in[0];
                float[] ones = new float[c];
                Arrays.fill(ones, 1f);
                out.add(new ParamTensor(b.name() + ".weight", new long[]{c}, ones.clone(), false));
                out.add(new ParamTensor(b.name() + ".bias", new long[]{c}, new float[c], false));
                out.add(new ParamTensor(b.name() + ".running_mean", new long[]{c}, new float[c], true));
                out.add(new ParamTensor(b.name() + ".running_var", new long[]{c}, ones, true));
            } else {
            }
        }
        return out;
    }

    private static float[] he(SplittableRandom rng, int n, int fanIn) {
        double std = Math.sqrt(2.0 / fanIn);
        float[] w = new float[n];
        for (int i = 0; i < n; i++) {
            w[i] = (float) (gaussian(rng) * std);
        }
        return w;
    }

    private static float[] xavier(SplittableRandom rng, int n, int fanIn, int fanOut) {
        double limit = Math.sqrt(6.0 / (fanIn + fanOut));
        float[] w = new float[n];
        for (int i = 0; i < n; i++) {
            w[i] = (float) ((rng.nextDouble() * 2 - 1) * limit);
        }
        return w;
    }

    private static double gaussian(SplittableRandom rng) {
        // Box-Muller; SplittableRandom has no nextGaussian on Java 17.
        double u1 = 1.0 - rng.nextDouble();
        double u2 = rng.nextDouble();
        return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    }

    public ParamTensor get(String name) {
        ParamTensor t = tensors.get(name);
        if (t == null) {
            throw new IllegalArgumentException("no parameter '" + name + "'; have " + tensors.keySet());
        }
        return t;
    }

    public boolean has(String name) {
        return tensors.containsKey(name);
    }

    public Collection<ParamTensor> all() {
        return tensors.values();
    }

    /** Weights and biases (everything that is not a buffer). */
    public List<ParamTensor> weights() {
        return tensors.values().stream().filter(t -> !t.buffer()).toList();
    }

    public List<ParamTensor> ofLayer(String layer) {
        return tensors.values().stream().filter(t -> t.layer().equals(layer)).toList();
    }

    public void put(ParamTensor t) {
        tensors.put(t.name(), t);
    }

    public void removeLayer(String layer) {
        tensors.values().removeIf(t -> t.layer().equals(layer));
    }

    public Parameters copy() {
        return new Parameters(tensors.values().stream().map(ParamTensor::copy).toList());
    }

    public long count() {
        return weights().stream().mapToLong(ParamTensor::size).sum();
    }
}
