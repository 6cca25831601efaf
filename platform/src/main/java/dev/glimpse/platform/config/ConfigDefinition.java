package dev.glimpse.platform.config;

import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The configuration keys of one service, each defined once with type, default, validator and doc
 * (in the manner of Kafka's {@code ConfigDef}). {@link #parse} turns raw values into an immutable {@link Config};
 * {@link #toMarkdown()} renders the reference table for the README.
 */
public final class ConfigDefinition {

    private final String name;
    private final Map<String, ConfigKey> keys = new LinkedHashMap<>();

    public ConfigDefinition(String name) {
        this.name = name;
    }

    public String name() {
        return name;
    }

    public ConfigDefinition define(String key, ConfigType type, Object defaultValue, Validator validator, String doc) {
        if (keys.containsKey(key)) {
            throw new IllegalArgumentException("configuration '" + key + "' is defined twice in " + name);
        }
        Object parsedDefault = type.parse(key, defaultValue);
        if (parsedDefault != null) {
            validator.ensureValid(key, parsedDefault);
        }
        keys.put(key, new ConfigKey(key, type, parsedDefault, false, validator, doc));
        return this;
    }

    public ConfigDefinition define(String key, ConfigType type, Object defaultValue, String doc) {
        return define(key, type, defaultValue, Validator.ANY, doc);
    }

    /** A key without default: parsing fails when it is not given. */
    public ConfigDefinition defineRequired(String key, ConfigType type, Validator validator, String doc) {
        if (keys.containsKey(key)) {
            throw new IllegalArgumentException("configuration '" + key + "' is defined twice in " + name);
        }
        keys.put(key, new ConfigKey(key, type, null, true, validator, doc));
        return this;
    }

    /** Adds every key of another definition (e.g. the common Kafka and metrics keys). */
    public ConfigDefinition include(ConfigDefinition other) {
        for (ConfigKey k : other.keys.values()) {
            if (keys.containsKey(k.name())) {
                throw new IllegalArgumentException("configuration '" + k.name() + "' is defined twice in " + name);
            }
            keys.put(k.name(), k);
        }
        return this;
    }

    public boolean contains(String key) {
        return keys.containsKey(key);
    }

    /** Checks one typed value against its key's validator (for records validating values built in code). */
    public void ensureValid(String key, Object value) {
        ConfigKey k = keys.get(key);
        if (k == null) {
            throw new IllegalArgumentException("configuration '" + key + "' is not defined in " + name);
        }
        k.validator().ensureValid(key, value);
    }

    /** Key names in definition order. */
    public Set<String> keyNames() {
        return Collections.unmodifiableSet(keys.keySet());
    }

    public Collection<ConfigKey> keys() {
        return Collections.unmodifiableCollection(keys.values());
    }

    /** Parses strictly: an unknown key is an error (it is usually a typo). */
    public Config parse(Map<String, ?> raw) {
        return parse(raw, false);
    }

    /**
     * @param ignoreUnknown accept keys this definition does not know (when one map configures several services)
     */
    public Config parse(Map<String, ?> raw, boolean ignoreUnknown) {
        if (!ignoreUnknown) {
            for (String key : raw.keySet()) {
                if (!keys.containsKey(key)) {
                    throw ConfigException.unknown(key, keys.keySet());
                }
            }
        }
        Map<String, Object> values = new LinkedHashMap<>();
        for (ConfigKey key : keys.values()) {
            Object value;
            if (raw.containsKey(key.name()) && raw.get(key.name()) != null) {
                Object given = raw.get(key.name());
                value = key.type().parse(key.name(), given);
                try {
                    key.validator().ensureValid(key.name(), value);
                } catch (ConfigException e) {
                    // quote what the user typed, unless the validator quoted something else (e.g. a masked secret)
                    boolean quotedTheValue = key.name().equals(e.key()) && Objects.equals(e.value(), value);
                    throw given instanceof String text && quotedTheValue ? e.withValue(text) : e;
                }
            } else if (key.required()) {
                throw ConfigException.missing(key.name(), key.doc());
            } else {
                value = key.defaultValue();
            }
            values.put(key.name(), value);
        }
        return new Config(this, values);
    }

    /** All defaults (fails if a key is required). */
    public Config defaults() {
        return parse(Map.of());
    }

    /** The configuration reference as a Markdown table: key, type, default, valid values, description. */
    public String toMarkdown() {
        StringBuilder md = new StringBuilder();
        md.append("| key | type | default | valid values | description |\n");
        md.append("|---|---|---|---|---|\n");
        for (ConfigKey k : keys.values()) {
            md.append("| `").append(k.name()).append("` | ").append(k.type().displayName()).append(" | ")
                    .append(escape(k.defaultText())).append(" | ").append(escape(k.validator().describe())).append(" | ")
                    .append(escape(k.doc())).append(" |\n");
        }
        return md.toString();
    }

    /** Several definitions, each under a heading. */
    public static String toMarkdown(List<ConfigDefinition> definitions) {
        StringBuilder md = new StringBuilder();
        for (ConfigDefinition d : definitions) {
            md.append("### ").append(d.name()).append("\n\n").append(d.toMarkdown()).append('\n');
        }
        return md.toString();
    }

    private static String escape(String s) {
        return s.replace("|", "\\|").replace("\n", " ");
    }
}
