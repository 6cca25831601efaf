package dev.glimpse.runtime;

import java.util.Locale;

/**
 * How an image is brought to the model's size before cropping: {@code shorter} (torchvision {@code Resize(R)}:
 * the shorter side becomes R, aspect kept), {@code stretch} (x and y scaled independently to the target) or
 * {@code letterbox} (aspect kept, fitted inside the target, the rest padded with black).
 */
public enum ResizeMode {
    SHORTER, STRETCH, LETTERBOX;

    /** The metadata spelling. */
    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses the metadata spelling, case-insensitive; {@code null} when unknown. */
    public static ResizeMode ofKey(String value) {
        for (ResizeMode m : values()) {
            if (m.key().equalsIgnoreCase(value.trim())) {
                return m;
            }
        }
        return null;
    }
}
