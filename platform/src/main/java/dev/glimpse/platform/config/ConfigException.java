package dev.glimpse.platform.config;

/** A configuration value that is missing, of the wrong type or out of range; the message names the key and quotes the value. */
public final class ConfigException extends IllegalArgumentException {

    private final String key;
    private final transient Object value;
    private final String problem;

    public ConfigException(String key, Object value, String problem) {
        super("Invalid value '" + value + "' for configuration '" + key + "': " + problem);
        this.key = key;
        this.value = value;
        this.problem = problem;
    }

    private ConfigException(String key, String message) {
        super(message);
        this.key = key;
        this.value = null;
        this.problem = message;
    }

    /** The same problem quoting the value as the user typed it (e.g. {@code 2m} rather than {@code PT2M}). */
    public ConfigException withValue(Object typed) {
        return new ConfigException(key, typed, problem);
    }

    public static ConfigException missing(String key, String doc) {
        return new ConfigException(key, "Missing required configuration '" + key + "' (" + doc + ")");
    }

    public static ConfigException unknown(String key, Iterable<String> known) {
        return new ConfigException(key, "Unknown configuration '" + key + "'; known keys: " + String.join(", ", known));
    }

    /** The same error, its message prefixed with where the value came from (e.g. {@code configuration file f}). */
    public ConfigException from(String source) {
        return new ConfigException(key, value, source + ": " + getMessage(), this);
    }

    private ConfigException(String key, Object value, String message, Throwable cause) {
        super(message, cause);
        this.key = key;
        this.value = value;
        this.problem = message;
    }

    public String key() {
        return key;
    }

    public Object value() {
        return value;
    }
}
