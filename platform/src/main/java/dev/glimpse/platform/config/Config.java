package dev.glimpse.platform.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Parsed, validated and immutable configuration of one service. Getters fail on keys the definition lacks. */
public final class Config {

    private final ConfigDefinition definition;
    private final Map<String, Object> values;

    Config(ConfigDefinition definition, Map<String, Object> values) {
        this.definition = definition;
        this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
    }

    public ConfigDefinition definition() {
        return definition;
    }

    public Map<String, Object> values() {
        return values;
    }

    public Object get(String key) {
        if (!values.containsKey(key)) {
            throw new IllegalArgumentException("configuration '" + key + "' is not defined in " + definition.name());
        }
        return values.get(key);
    }

    public String getString(String key) {
        return (String) get(key);
    }

    public int getInt(String key) {
        return (Integer) get(key);
    }

    public long getLong(String key) {
        return (Long) get(key);
    }

    /** A {@link ConfigType#BYTES} key, in bytes. */
    public long getBytes(String key) {
        return (Long) get(key);
    }

    public double getDouble(String key) {
        return (Double) get(key);
    }

    public boolean getBoolean(String key) {
        return (Boolean) get(key);
    }

    public Duration getDuration(String key) {
        return (Duration) get(key);
    }

    public Path getPath(String key) {
        return (Path) get(key);
    }

    @SuppressWarnings("unchecked")
    public List<String> getList(String key) {
        return (List<String>) get(key);
    }

    /** A copy with some values replaced (validated like the originals). */
    public Config with(Map<String, ?> overrides) {
        Map<String, Object> raw = new LinkedHashMap<>(values);
        raw.putAll(overrides);
        return definition.parse(raw);
    }

    @Override
    public String toString() {
        return definition.name() + values;
    }
}
