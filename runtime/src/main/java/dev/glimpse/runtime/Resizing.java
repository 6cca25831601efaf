package dev.glimpse.runtime;

/**
 * The resize-and-crop part of a model's preprocessing contract (keys {@link ModelMetadataKeys#INPUT_RESIZE_MODE},
 * {@link ModelMetadataKeys#INPUT_RESIZE}, {@link ModelMetadataKeys#INPUT_CROP}). The combinations that give a
 * tensor of the model's size whatever the image:
 * <ul>
 *   <li>{@code shorter} + {@code center}: torchvision {@code Resize(resize) -> CenterCrop(H, W)};</li>
 *   <li>{@code stretch} + {@code none}: {@code Resize((H, W))}; the behaviour of models whose metadata has only a size;</li>
 *   <li>{@code stretch} + {@code center}: {@code Resize((resize * H / min(H,W), resize * W / min(H,W))) -> CenterCrop(H, W)}
 *       (timm's "squash"; for a square model simply {@code Resize((R, R))});</li>
 *   <li>{@code letterbox} + {@code none}: aspect kept, fitted inside H x W, centred, padded with black (pixel 0).</li>
 * </ul>
 *
 * @param resize the shorter-side target (shorter) or the squash size (stretch + center) in pixels; 0 when unused
 */
public record Resizing(ResizeMode mode, int resize, CropMode crop) {

    /** Stretch to the model size: what models whose metadata has only a size get. */
    public static final Resizing STRETCH = new Resizing(ResizeMode.STRETCH, 0, CropMode.NONE);

    public Resizing {
        if (mode == null || crop == null) {
            throw new IllegalArgumentException("resize mode and crop are required");
        }
        if (resize < 0) {
            throw new IllegalArgumentException("resize must be positive, got " + resize);
        }
        switch (mode) {
            case SHORTER -> {
                if (crop != CropMode.CENTER) {
                    throw new IllegalArgumentException("resize mode shorter needs crop center: without a crop the tensor"
                            + " size would follow the image's aspect ratio");
                }
                if (resize == 0) {
                    throw new IllegalArgumentException("resize mode shorter needs a resize (shorter side) value");
                }
            }
            case STRETCH -> {
                if (crop == CropMode.CENTER && resize == 0) {
                    throw new IllegalArgumentException("resize mode stretch with crop center needs a resize value");
                }
                if (crop == CropMode.NONE && resize != 0) {
                    throw new IllegalArgumentException("resize mode stretch without a crop resizes to the input size;"
                            + " a resize value (" + resize + ") needs crop center");
                }
            }
            case LETTERBOX -> {
                if (crop != CropMode.NONE || resize != 0) {
                    throw new IllegalArgumentException("resize mode letterbox takes neither a crop nor a resize value");
                }
            }
            default -> throw new IllegalStateException(mode.toString());
        }
    }

    /** Where a {@code sourceWidth x sourceHeight} image lands in a {@code width x height} model input. */
    public InputGeometry geometry(int sourceWidth, int sourceHeight, int width, int height) {
        if (sourceWidth <= 0 || sourceHeight <= 0) {
            throw new IllegalArgumentException("image has no pixels (" + sourceWidth + "x" + sourceHeight + ")");
        }
        return switch (mode) {
            case SHORTER -> {
                // torchvision 0.14 _compute_resized_output_size for an int size
                boolean wide = sourceWidth > sourceHeight;
                int shortSide = wide ? sourceHeight : sourceWidth;
                int longSide = wide ? sourceWidth : sourceHeight;
                int newLong = (int) ((double) ((long) resize * longSide) / shortSide);
                int rw = wide ? newLong : resize;
                int rh = wide ? resize : newLong;
                yield centerCrop(sourceWidth, sourceHeight, rw, rh, width, height);
            }
            case STRETCH -> {
                if (crop == CropMode.NONE) {
                    yield new InputGeometry(sourceWidth, sourceHeight, width, height, 0, 0, width, height);
                }
                int side = Math.min(width, height);
                yield centerCrop(sourceWidth, sourceHeight, (int) ((long) resize * width / side),
                        (int) ((long) resize * height / side), width, height);
            }
            case LETTERBOX -> {
                double s = Math.min((double) width / sourceWidth, (double) height / sourceHeight);
                // Math.rint rounds half to even, as Python's round()
                int rw = (int) Math.max(1, Math.min(width, Math.rint(sourceWidth * s)));
                int rh = (int) Math.max(1, Math.min(height, Math.rint(sourceHeight * s)));
                yield new InputGeometry(sourceWidth, sourceHeight, rw, rh, -((width - rw) / 2), -((height - rh) / 2),
                        width, height);
            }
        };
    }

    /** torchvision 0.14 {@code F.center_crop}: pads an axis smaller than the crop, else offset round((size - crop) / 2). */
    private static InputGeometry centerCrop(int sw, int sh, int rw, int rh, int width, int height) {
        return new InputGeometry(sw, sh, rw, rh, cropOffset(rw, width), cropOffset(rh, height), width, height);
    }

    private static int cropOffset(int size, int crop) {
        return crop > size ? -((crop - size) / 2) : (int) Math.rint((size - crop) / 2.0);
    }
}
