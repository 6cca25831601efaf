package dev.glimpse.training.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One layer of a sequential image classifier. Each layer has a unique name; its parameters are named
 * {@code <layer>.weight}, {@code <layer>.bias}, and for batch norm also {@code <layer>.running_mean} /
 * {@code <layer>.running_var} (PyTorch's naming, so state can be compared one to one).
 *
 * <p>{@link #spec()} gives a one-token textual form; {@link #parse} reads it back. A network's spec list is
 * stored in the model metadata so that a trained model can be fine-tuned later (dropout leaves no node in the
 * inference graph, so the graph alone does not say where it was).
 */
public sealed interface Layer {

    String name();

    String spec();

    /** 2-D convolution, square kernel, stride 1, zero padding {@code pad}. */
    record Conv(String name, int outChannels, int kernel, int pad, boolean bias) implements Layer {
        public Conv {
            if (outChannels <= 0 || kernel <= 0 || pad < 0) {
                throw new IllegalArgumentException("bad conv " + name + ": out=" + outChannels + " k=" + kernel + " pad=" + pad);
            }
        }

        @Override
        public String spec() {
            return "conv:" + outChannels + ":" + kernel + ":" + pad + (bias ? "" : ":nobias");
        }
    }

    record BatchNorm(String name, float epsilon, float momentum) implements Layer {
        @Override
        public String spec() {
            return "bn";
        }
    }

    record Relu(String name) implements Layer {
        @Override
        public String spec() {
            return "relu";
        }
    }

    /** Max pooling, square window {@code kernel}, stride {@code stride}, no padding (floor). */
    record MaxPool(String name, int kernel, int stride) implements Layer {
        @Override
        public String spec() {
            return "maxpool:" + kernel + ":" + stride;
        }
    }

    /** Average pooling, window = stride = {@code kernel}, no padding (floor). */
    record AvgPool(String name, int kernel) implements Layer {
        @Override
        public String spec() {
            return "avgpool:" + kernel;
        }
    }

    record GlobalAvgPool(String name) implements Layer {
        @Override
        public String spec() {
            return "gap";
        }
    }

    /** Inverted dropout: active only in training; removed from the inference graph. */
    record Dropout(String name, float rate) implements Layer {
        public Dropout {
            if (!(rate >= 0 && rate < 1)) {
                throw new IllegalArgumentException("dropout rate of " + name + " must be in [0, 1), got " + rate);
            }
        }

        @Override
        public String spec() {
            return "dropout:" + rate;
        }
    }

    record Flatten(String name) implements Layer {
        @Override
        public String spec() {
            return "flatten";
        }
    }

    /** Fully connected: y = x W^T + b with W of shape [out, in]. */
    record Linear(String name, int outFeatures) implements Layer {
        public Linear {
            if (outFeatures <= 0) {
                throw new IllegalArgumentException("bad linear " + name + ": out=" + outFeatures);
            }
        }

        @Override
        public String spec() {
            return "fc:" + outFeatures;
        }
    }

    /** Reads specs such as {@code conv:16:3:1,bn,relu,maxpool:2:2,flatten,fc:100,relu,dropout:0.4,fc:10}. */
    static List<Layer> parse(String specs) {
        List<Layer> out = new ArrayList<>();
        int conv = 0, bn = 0, fc = 0, other = 0;
        for (String raw : specs.split(",")) {
            String s = raw.trim().toLowerCase(Locale.ROOT);
            String[] p = s.split(":");
            try {
                switch (p[0]) {
                    case "conv" -> out.add(new Conv("conv" + (++conv), Integer.parseInt(p[1]), Integer.parseInt(p[2]),
                            p.length > 3 && !p[3].equals("nobias") ? Integer.parseInt(p[3]) : 0,
                            !s.endsWith(":nobias")));
                    case "bn" -> out.add(new BatchNorm("bn" + (++bn), 1e-5f, 0.1f));
                    case "relu" -> out.add(new Relu("relu" + (++other)));
                    case "maxpool" -> out.add(new MaxPool("pool" + (++other), Integer.parseInt(p[1]),
                            p.length > 2 ? Integer.parseInt(p[2]) : Integer.parseInt(p[1])));
                    case "avgpool" -> out.add(new AvgPool("pool" + (++other), Integer.parseInt(p[1])));
                    case "gap" -> out.add(new GlobalAvgPool("gap" + (++other)));
                    case "dropout" -> out.add(new Dropout("dropout" + (++other), Float.parseFloat(p[1])));
                    case "flatten" -> out.add(new Flatten("flatten" + (++other)));
                    case "fc" -> out.add(new Linear("fc" + (++fc), Integer.parseInt(p[1])));
                    default -> throw new IllegalArgumentException("unknown layer '" + raw.trim() + "' in architecture '"
                            + specs + "' (known: conv:OUT:K[:PAD][:nobias], bn, relu, maxpool:K[:S], avgpool:K, gap, "
                            + "dropout:P, flatten, fc:OUT)");
                }
            } catch (NumberFormatException | ArrayIndexOutOfBoundsException e) {
                throw new IllegalArgumentException("malformed layer '" + raw.trim() + "' in architecture '" + specs + "'", e);
            }
        }
        return out;
    }
}
