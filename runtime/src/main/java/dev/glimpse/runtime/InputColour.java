package dev.glimpse.runtime;

/** Colour layout a model expects: {@code gray} = 1 channel, {@code rgb} = 3 channels in R,G,B order. */
public enum InputColour {
    GRAY(1), RGB(3);

    private final int channels;

    InputColour(int channels) {
        this.channels = channels;
    }

    public int channels() {
        return channels;
    }

    /** The metadata spelling: {@code gray} or {@code rgb}. */
    public String key() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
