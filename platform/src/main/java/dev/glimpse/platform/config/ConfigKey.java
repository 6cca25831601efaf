package dev.glimpse.platform.config;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * One configuration key: name, type, default (already parsed; {@code null} with {@code required} = must be given),
 * validator and a one-line doc.
 */
public record ConfigKey(String name, ConfigType type, Object defaultValue, boolean required, Validator validator,
                        String doc) {

    public ConfigKey {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(validator, "validator");
        Objects.requireNonNull(doc, "doc");
    }

    /** The default in the text form users type, for the reference table. */
    public String defaultText() {
        if (required) {
            return "(required)";
        }
        if (defaultValue == null) {
            return "(none)";
        }
        if (defaultValue instanceof Duration d) {
            long ms = d.toMillis();
            return ms % 3_600_000 == 0 && ms > 0 ? ms / 3_600_000 + "h"
                    : ms % 60_000 == 0 && ms > 0 ? ms / 60_000 + "m"
                    : ms % 1000 == 0 && ms > 0 ? ms / 1000 + "s" : ms + "ms";
        }
        if (type == ConfigType.BYTES && defaultValue instanceof Long b) {
            return b >= 1 << 20 && b % (1 << 20) == 0 ? b / (1 << 20) + "MiB"
                    : b >= 1024 && b % 1024 == 0 ? b / 1024 + "KiB" : String.valueOf(b);
        }
        if (defaultValue instanceof List<?> l) {
            return String.join(",", l.stream().map(String::valueOf).toList());
        }
        return String.valueOf(defaultValue);
    }
}
