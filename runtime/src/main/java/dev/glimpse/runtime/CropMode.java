package dev.glimpse.runtime;

import java.util.Locale;

/** Whether the resized image is center-cropped to the model size ({@code center}, torchvision's CenterCrop) or not. */
public enum CropMode {
    CENTER, NONE;

    /** The metadata spelling. */
    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses the metadata spelling, case-insensitive; {@code null} when unknown. */
    public static CropMode ofKey(String value) {
        for (CropMode m : values()) {
            if (m.key().equalsIgnoreCase(value.trim())) {
                return m;
            }
        }
        return null;
    }
}
