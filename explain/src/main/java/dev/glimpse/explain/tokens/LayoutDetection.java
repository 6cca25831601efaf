package dev.glimpse.explain.tokens;

import dev.glimpse.engine.graph.Attributes;
import dev.glimpse.engine.onnx.Onnx;
import dev.glimpse.explain.Options;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Finds a layer's {@link TokenLayout} from the graph around it, or from {@code --param tokens.layout} /
 * {@code tokens.grid}. A 3-D [N, T, D] tensor is tokens. A 4-D tensor is channels-last when what reads it
 * normalises or projects its last axis (LayerNormalization over the last axis, its decomposed ReduceMean over the
 * last axis, a MatMul) or transposes it with perm [0, 3, 1, 2], or when it was made by a Transpose with perm
 * [0, 2, 3, 1]; channels-first when a Conv, pool or BatchNormalization reads or makes it. Elementwise operators
 * are looked through. Neither or both: an error naming {@code tokens.layout}; never a silent NCHW reading.
 *
 * <p>The grid of a token tensor drops the fewest leading tokens (class, distillation; at most 8) such that the
 * remaining T' = h × w tokens have the input's aspect ratio (square for a square input); {@code tokens.grid=HxW}
 * sets it. The patch size is not an ONNX attribute and is not used.
 */
public final class LayoutDetection {

    public static final String LAYOUT = "tokens.layout";
    public static final String GRID = "tokens.grid";
    private static final int MAX_LEADING_TOKENS = 8;
    private static final Set<String> ELEMENTWISE = Set.of("Add", "Sub", "Mul", "Div", "Relu", "Gelu", "Erf", "Identity",
            "Dropout", "Sigmoid", "Tanh", "Clip", "HardSwish", "LeakyRelu", "Cast", "Concat", "Pad");
    private static final Set<String> CHANNELS_FIRST_OPS = Set.of("Conv", "ConvTranspose", "BatchNormalization",
            "MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool", "InstanceNormalization", "LRN", "Resize",
            "Upsample");

    private final Map<String, Onnx.NodeProto> producers = new HashMap<>();
    private final Map<String, List<Onnx.NodeProto>> consumers = new HashMap<>();

    public LayoutDetection(Onnx.GraphProto graph) {
        for (Onnx.NodeProto n : graph.getNodeList()) {
            n.getOutputList().forEach(o -> producers.put(o, n));
            for (String i : n.getInputList()) {
                consumers.computeIfAbsent(i, k -> new ArrayList<>()).add(n);
            }
        }
    }

    /**
     * @param shape      the layer's shape at batch 1
     * @param inputShape the model input [N, C, H, W] (its aspect ratio shapes the token grid)
     */
    public TokenLayout detect(String layer, long[] shape, long[] inputShape, Options params) {
        String given = params.given().get(LAYOUT);
        TokenLayout.Kind kind;
        if (given != null) {
            kind = parseKind(given, layer, shape);
        } else if (shape.length == 3) {
            kind = TokenLayout.Kind.NLD;
        } else if (shape.length == 4) {
            kind = fromGraph(layer, shape);
        } else {
            throw new IllegalArgumentException("--layer '" + layer + "' has shape " + Arrays.toString(shape)
                    + "; CAM methods need [N,C,H,W], [N,H,W,C] or tokens [N,T,D]");
        }
        switch (kind) {
            case NCHW:
                return TokenLayout.channelsFirst(shape);
            case NHWC:
                return new TokenLayout(kind, 0, (int) shape[1], (int) shape[2]);
            default:
                return tokenGrid(layer, shape, inputShape, params.given().get(GRID));
        }
    }

    private static TokenLayout.Kind parseKind(String given, String layer, long[] shape) {
        TokenLayout.Kind kind;
        try {
            kind = TokenLayout.Kind.valueOf(given.trim().toUpperCase());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--param " + LAYOUT + " must be nld, nhwc or nchw, got '" + given + "'");
        }
        int rank = kind == TokenLayout.Kind.NLD ? 3 : 4;
        if (shape.length != rank) {
            throw new IllegalArgumentException("--param " + LAYOUT + "=" + given + " needs a rank-" + rank + " layer; '"
                    + layer + "' has shape " + Arrays.toString(shape));
        }
        return kind;
    }

    private TokenLayout.Kind fromGraph(String layer, long[] shape) {
        boolean last = false;
        boolean first = false;
        // what reads the tensor (through elementwise operators)
        Deque<String> todo = new ArrayDeque<>(List.of(layer));
        Set<String> seen = new HashSet<>();
        while (!todo.isEmpty()) {
            String t = todo.pop();
            if (!seen.add(t) || seen.size() > 64) {
                continue;
            }
            for (Onnx.NodeProto n : consumers.getOrDefault(t, List.of())) {
                String op = n.getOpType();
                if (ELEMENTWISE.contains(op)) {
                    todo.add(n.getOutput(0));
                } else if (CHANNELS_FIRST_OPS.contains(op)) {
                    first = true;
                } else if (op.equals("Transpose")) {
                    long[] perm = Attributes.getInts(n, "perm", new long[0]);
                    last |= Arrays.equals(perm, new long[] {0, 3, 1, 2});
                    first |= Arrays.equals(perm, new long[] {0, 2, 3, 1});
                } else if (op.equals("LayerNormalization")) {
                    long axis = Attributes.getInt(n, "axis", -1);
                    last |= axis == -1 || axis == 3;
                } else if (op.equals("ReduceMean")) {
                    long[] axes = Attributes.getInts(n, "axes", null);
                    if (axes != null) {
                        last |= Arrays.equals(axes, new long[] {-1}) || Arrays.equals(axes, new long[] {3});
                        first |= Arrays.equals(axes, new long[] {2, 3}) || Arrays.equals(axes, new long[] {-2, -1});
                    }
                } else if (op.equals("MatMul") && n.getInput(0).equals(t)) {
                    last = true;
                }
            }
        }
        // what made it (through elementwise operators)
        todo.add(layer);
        seen.clear();
        while (!todo.isEmpty()) {
            String t = todo.pop();
            Onnx.NodeProto p = producers.get(t);
            if (p == null || !seen.add(t) || seen.size() > 64) {
                continue;
            }
            if (ELEMENTWISE.contains(p.getOpType())) {
                p.getInputList().forEach(todo::add);
            } else if (CHANNELS_FIRST_OPS.contains(p.getOpType())) {
                first = true;
            } else if (p.getOpType().equals("Transpose")) {
                long[] perm = Attributes.getInts(p, "perm", new long[0]);
                last |= Arrays.equals(perm, new long[] {0, 2, 3, 1});
                first |= Arrays.equals(perm, new long[] {0, 3, 1, 2});
            }
        }
        if (first == last) {
            throw new IllegalArgumentException("cannot tell from the graph whether --layer '" + layer + "' "
                    + Arrays.toString(shape) + " is channels-first or channels-last"
                    + (first ? " (read both ways)" : "") + "; pass --param " + LAYOUT + "=nchw or nhwc");
        }
        return last ? TokenLayout.Kind.NHWC : TokenLayout.Kind.NCHW;
    }

    /** The grid of a [N, T, D] token tensor: from {@code grid} ("HxW", may be null) or the input's aspect ratio. */
    public static TokenLayout tokenGrid(String layer, long[] shape, long[] inputShape, String grid) {
        int tokens = (int) shape[1];
        if (grid != null) {
            String[] hw = grid.trim().toLowerCase().split("x");
            int h;
            int w;
            try {
                h = Integer.parseInt(hw[0]);
                w = Integer.parseInt(hw[1]);
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("--param " + GRID + " must be HxW, got '" + grid + "'");
            }
            if (h <= 0 || w <= 0 || h * w > tokens) {
                throw new IllegalArgumentException("--param " + GRID + "=" + grid + " does not fit the " + tokens
                        + " tokens of '" + layer + "'");
            }
            return new TokenLayout(TokenLayout.Kind.NLD, tokens - h * w, h, w);
        }
        long ih = inputShape.length == 4 ? inputShape[2] : 1;
        long iw = inputShape.length == 4 ? inputShape[3] : 1;
        for (int prefix = 0; prefix <= Math.min(MAX_LEADING_TOKENS, tokens - 1); prefix++) {
            int cells = tokens - prefix;
            for (int h = 1; h <= cells; h++) {
                if (cells % h == 0 && (long) h * iw == (long) (cells / h) * ih) {
                    return new TokenLayout(TokenLayout.Kind.NLD, prefix, h, cells / h);
                }
            }
        }
        throw new IllegalArgumentException("the " + tokens + " tokens of '" + layer + "' form no grid with the input's "
                + ih + "x" + iw + " aspect ratio after dropping up to " + MAX_LEADING_TOKENS
                + " leading tokens; pass --param " + GRID + "=HxW");
    }
}
