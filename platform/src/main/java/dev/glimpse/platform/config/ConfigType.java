package dev.glimpse.platform.config;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Value types of configuration keys; each parses the text form (command line, environment) into a Java value. */
public enum ConfigType {
    STRING(String.class, "string"),
    INT(Integer.class, "int"),
    LONG(Long.class, "long"),
    DOUBLE(Double.class, "double"),
    BOOLEAN(Boolean.class, "boolean"),
    /** {@code 250ms}, {@code 5s}, {@code 2m}, {@code 1h}, or a plain number of milliseconds. */
    DURATION(Duration.class, "duration"),
    /** {@code 512}, {@code 64KiB}, {@code 8MiB}, {@code 1GiB} (KB/MB/GB are read as powers of 1024 too). */
    BYTES(Long.class, "bytes"),
    PATH(Path.class, "path"),
    /** Comma-separated strings, trimmed; empty text is the empty list. */
    LIST(List.class, "list");

    private static final Pattern DURATION_TEXT = Pattern.compile("(\\d+)\\s*(ms|s|m|h)?");
    private static final Pattern BYTES_TEXT = Pattern.compile("(\\d+)\\s*(b|kb|kib|mb|mib|gb|gib)?");

    private final Class<?> javaType;
    private final String displayName;

    ConfigType(Class<?> javaType, String displayName) {
        this.javaType = javaType;
        this.displayName = displayName;
    }

    public String displayName() {
        return displayName;
    }

    /** Converts a raw value (text or an already typed object) to this type, or fails naming the key. */
    public Object parse(String key, Object raw) {
        if (raw == null) {
            return null;
        }
        if (javaType.isInstance(raw) && this != BYTES) {
            return this == LIST ? List.copyOf((List<?>) raw) : raw;
        }
        String text = raw.toString().trim();
        try {
            return switch (this) {
                case STRING -> raw.toString();
                case INT -> raw instanceof Number n && n.doubleValue() == n.intValue() ? n.intValue() : Integer.parseInt(text);
                case LONG -> raw instanceof Number n && n.doubleValue() == n.longValue() ? n.longValue() : Long.parseLong(text);
                case DOUBLE -> raw instanceof Number n ? n.doubleValue() : Double.parseDouble(text);
                case BOOLEAN -> parseBoolean(key, raw, text);
                case DURATION -> parseDuration(key, raw, text);
                case BYTES -> raw instanceof Number n ? n.longValue() : parseBytes(key, raw, text);
                case PATH -> Path.of(text);
                case LIST -> text.isEmpty() ? List.of()
                        : Arrays.stream(text.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
            };
        } catch (NumberFormatException e) {
            throw new ConfigException(key, raw, "expected " + article() + " " + displayName);
        } catch (InvalidPathException e) {
            throw new ConfigException(key, raw, "not a valid path (" + e.getReason() + ")");
        }
    }

    private String article() {
        return this == INT ? "an" : "a";
    }

    private static Boolean parseBoolean(String key, Object raw, String text) {
        return switch (text.toLowerCase(Locale.ROOT)) {
            case "true", "yes", "on", "1" -> Boolean.TRUE;
            case "false", "no", "off", "0" -> Boolean.FALSE;
            default -> throw new ConfigException(key, raw, "expected a boolean (true/false)");
        };
    }

    private static Duration parseDuration(String key, Object raw, String text) {
        Matcher m = DURATION_TEXT.matcher(text.toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new ConfigException(key, raw, "expected a duration such as 250ms, 5s, 2m or 1h");
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "ms" : m.group(2);
        return switch (unit) {
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofMillis(n);
        };
    }

    private static long parseBytes(String key, Object raw, String text) {
        Matcher m = BYTES_TEXT.matcher(text.toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new ConfigException(key, raw, "expected a size such as 512, 64KiB, 8MiB or 1GiB");
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "b" : m.group(2);
        long factor = switch (unit) {
            case "kb", "kib" -> 1024L;
            case "mb", "mib" -> 1024L * 1024;
            case "gb", "gib" -> 1024L * 1024 * 1024;
            default -> 1L;
        };
        return Math.multiplyExact(n, factor);
    }
}
