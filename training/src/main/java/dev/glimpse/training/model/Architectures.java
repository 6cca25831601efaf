package dev.glimpse.training.model;

import java.util.List;

/** The named networks {@code ./glimpse train --arch} knows. */
public final class Architectures {

    /** The seed articles' MNIST CNN: conv 10@3x3, maxpool 2, conv 20@3x3, maxpool 2, fc 100, dropout 0.4, fc K. */
    public static final String SEED = "seed";
    /** Three conv-BN-ReLU-maxpool blocks (16, 32, 64 channels, 3x3 same padding), fc 128, dropout 0.3, fc K. */
    public static final String SMALL = "small";

    /**
     * Built for localising explanations: one conv-BN-ReLU-maxpool block (16), then conv-BN-ReLU 32 and 64 at half the
     * input's side, global average pooling, fc K. The last activation stays at half resolution (16×16 on 32-pixel
     * shapes) so Grad-CAM maps can point at parts of an object; GAP makes each position's evidence additive, which is
     * what CAM reads. Receptive field 12 pixels.
     */
    public static final String GAP = "gap";

    public static final List<String> NAMES = List.of(SEED, SMALL, GAP);

    private Architectures() {
    }

    public static Network create(String arch, int channels, int height, int width, int classes) {
        return switch (arch) {
            case SEED -> Network.parse(SEED, channels, height, width,
                    "conv:10:3,maxpool:2,relu,conv:20:3,maxpool:2,relu,flatten,fc:100,relu,dropout:0.4,fc:" + classes);
            case SMALL -> Network.parse(SMALL, channels, height, width,
                    "conv:16:3:1:nobias,bn,relu,maxpool:2,"
                            + "conv:32:3:1:nobias,bn,relu,maxpool:2,"
                            + "conv:64:3:1:nobias,bn,relu,maxpool:2,"
                            + "flatten,fc:128,relu,dropout:0.3,fc:" + classes);
            case GAP -> Network.parse(GAP, channels, height, width,
                    "conv:16:3:1:nobias,bn,relu,maxpool:2,"
                            + "conv:32:3:1:nobias,bn,relu,"
                            + "conv:64:3:1:nobias,bn,relu,"
                            + "gap,flatten,fc:" + classes);
            default -> throw new IllegalArgumentException("unknown --arch '" + arch + "'; known: " + NAMES
                    + " or a layer list like 'conv:8:3,relu,maxpool:2,flatten,fc:10'");
        };
    }

    /** A named architecture, or a literal layer list. */
    public static Network resolve(String arch, int channels, int height, int width, int classes) {
        if (NAMES.contains(arch)) {
            return create(arch, channels, height, width, classes);
        }
        return Network.parse("custom", channels, height, width, arch);
    }
}
