package dev.glimpse.explain.render;

import dev.glimpse.explain.Explanation;
import dev.glimpse.explain.Tensor;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;

/** Turns an {@link Explanation} into the PNG written next to its .npy, according to its kind. */
public final class ExplanationRenderer {

    private final Colormap colormap;
    private final double alpha;

    public ExplanationRenderer(Colormap colormap, double alpha) {
        this.colormap = colormap;
        this.alpha = alpha;
    }

    /** @param inputChw the preprocessed input [C,H,W] the explanation is about */
    public BufferedImage render(Explanation e, Tensor inputChw) {
        return render(e, inputChw, null);
    }

    /**
     * @param inputChw the preprocessed input [C,H,W] the explanation is about
     * @param original the image before preprocessing, or null (a tensor input): heatmaps are drawn over it through
     *                 the crop/letterbox geometry, else over the preprocessed input
     */
    public BufferedImage render(Explanation e, Tensor inputChw, OriginalImage original) {
        BufferedImage base = Images.fromInput(inputChw);
        Tensor raw = e.raw();
        return switch (e.kind()) {
            case LAYER_MAP, POSITION_MAP -> heatmap(base, original, raw);
            case INPUT_ATTRIBUTION -> {
                BufferedImage map = heatmap(base, original, Maps.maxAbsOverChannels(raw));
                yield Grid.of(List.of(new Grid.Tile(map, e.method() + " |max|"),
                        new Grid.Tile(Images.fromInput(raw), e.method() + " raw")), 2, Math.max(map.getWidth(), 112));
            }
            case FEATURE_MAPS -> channelGrid(raw, 64, "");
            case IMAGES -> imagesGrid(e);
        };
    }

    private BufferedImage heatmap(BufferedImage input, OriginalImage original, Tensor map) {
        return original == null ? Images.overlay(input, map, colormap, alpha) : Images.overlay(original, map, colormap, alpha);
    }

    /** Up to {@code limit} channels of [C,H,W], each normalised on its own, in a labelled grid. */
    static BufferedImage channelGrid(Tensor chw, int limit, String prefix) {
        int c = Math.min(limit, chw.dim(0));
        List<Grid.Tile> tiles = new ArrayList<>();
        for (int k = 0; k < c; k++) {
            tiles.add(new Grid.Tile(Images.gray(chw.slice(k)), prefix + k));
        }
        return Grid.of(tiles, (int) Math.ceil(Math.sqrt(c)), 64);
    }

    private BufferedImage imagesGrid(Explanation e) {
        Tensor raw = e.raw();
        List<Grid.Tile> tiles = new ArrayList<>();
        Object responses = e.details().get("responses");
        int n = Math.min(raw.dim(0), 64);
        for (int i = 0; i < n; i++) {
            Tensor item = raw.slice(i);
            BufferedImage img = item.dim(0) == 3 || item.dim(0) == 1 ? Images.fromInput(item) : Images.gray(mean(item));
            tiles.add(new Grid.Tile(img, e.details().get("units") instanceof List<?> units && i < units.size()
                    ? ("class".equals(e.details().get("objective")) ? "class " : "filter ") + units.get(i) : "#" + i));
            if (responses instanceof Tensor r && i < r.dim(0)) {
                tiles.add(new Grid.Tile(Images.gray(r.slice(i)), "#" + i + " on x"));
            }
        }
        int cols = responses instanceof Tensor ? 8 : 4;
        return Grid.of(tiles, cols, 64);
    }

    /** Mean over the first axis of [C,H,W]. */
    private static Tensor mean(Tensor chw) {
        int c = chw.dim(0);
        int hw = chw.dim(1) * chw.dim(2);
        float[] m = new float[hw];
        for (int k = 0; k < c; k++) {
            for (int i = 0; i < hw; i++) {
                m[i] += chw.data()[k * hw + i] / c;
            }
        }
        return new Tensor(new int[] {chw.dim(1), chw.dim(2)}, m);
    }
}
