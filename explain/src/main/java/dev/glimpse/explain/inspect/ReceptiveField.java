package dev.glimpse.explain.inspect;

/**
 * Receptive field of one spatial activation along one axis (Dumoulin and Visin; Araujo et al., "Computing
 * receptive fields of convolutional neural networks"): {@code size} input pixels seen by one unit, {@code jump}
 * the distance in input pixels between adjacent units, {@code start} the input coordinate of the centre of
 * the first unit (pixel centres are at 0.5, 1.5, ...).
 */
public record ReceptiveField(double size, double jump, double start) {

    public static final ReceptiveField INPUT = new ReceptiveField(1, 1, 0.5);

    /** After a sliding window of {@code kernel} taps, stride, begin padding and dilation. */
    public ReceptiveField window(int kernel, int stride, int padBegin, int dilation) {
        int effective = dilation * (kernel - 1) + 1;
        return new ReceptiveField(size + (effective - 1) * jump, jump * stride,
                start + ((effective - 1) / 2.0 - padBegin) * jump);
    }
}
