package dev.glimpse.runtime;

/**
 * Where an image lands in the model input: the image is resized to {@code resizedWidth x resizedHeight}, and
 * model pixel (x, y) shows resized pixel (x + offsetX, y + offsetY), or the pad value (black) when that falls
 * outside the resized image. Heatmaps are mapped back onto the original through {@link #toSourceX} /
 * {@link #toSourceY}, or per original pixel through their inverses {@link #toModelX} / {@link #toModelY}.
 */
public record InputGeometry(int sourceWidth, int sourceHeight, int resizedWidth, int resizedHeight,
                            int offsetX, int offsetY, int width, int height) {

    /** The source-image x (continuous pixel coordinates, 0 = left edge) of model-input x. */
    public double toSourceX(double modelX) {
        return (modelX + offsetX) * sourceWidth / resizedWidth;
    }

    /** The source-image y (continuous pixel coordinates, 0 = top edge) of model-input y. */
    public double toSourceY(double modelY) {
        return (modelY + offsetY) * sourceHeight / resizedHeight;
    }

    /** The model-input x (continuous pixel coordinates) that shows source-image x; outside [0, width) it was cropped. */
    public double toModelX(double sourceX) {
        return sourceX * resizedWidth / sourceWidth - offsetX;
    }

    /** The model-input y (continuous pixel coordinates) that shows source-image y; outside [0, height) it was cropped. */
    public double toModelY(double sourceY) {
        return sourceY * resizedHeight / sourceHeight - offsetY;
    }
}
