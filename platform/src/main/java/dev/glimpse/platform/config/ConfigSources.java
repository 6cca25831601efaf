package dev.glimpse.platform.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.function.Function;

/**
 * Where a service's configuration values come from, merged in one fixed order whatever the order of the calls:
 * the definition's defaults &lt; the command's computed defaults &lt; a properties file ({@code --config FILE}) &lt;
 * environment variables ({@code GLIMPSE_<KEY>}, upper snake case) &lt; {@code -c key=value} &lt; command-line flags
 * the user actually typed. An error names the key and says which source gave the bad value.
 */
public final class ConfigSources {

    /** Prefix of the environment variables holding configuration values. */
    public static final String ENV_PREFIX = "GLIMPSE_";

    /** The layers, lowest precedence first. */
    public enum Source {
        /** Values the command computes when nothing else gives them (e.g. the bundled model's path). */
        COMMAND_DEFAULT,
        FILE,
        ENVIRONMENT,
        /** {@code -c key=value}. */
        OVERRIDE,
        /** Flags matched on the command line (never their defaults). */
        FLAG
    }

    private final ConfigDefinition definition;
    private final Map<Source, Map<String, Object>> layers = new EnumMap<>(Source.class);
    private final Map<Source, Map<String, String>> origins = new EnumMap<>(Source.class);

    public ConfigSources(ConfigDefinition definition) {
        this.definition = definition;
        for (Source s : Source.values()) {
            layers.put(s, new LinkedHashMap<>());
            origins.put(s, new LinkedHashMap<>());
        }
    }

    public ConfigDefinition definition() {
        return definition;
    }

    /** The environment variable that sets {@code key}: {@code metrics.port} → {@code GLIMPSE_METRICS_PORT}. */
    public static String environmentVariable(String key) {
        return ENV_PREFIX + key.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "_");
    }

    /** Values the command derives itself; they replace only the definition's defaults. */
    public ConfigSources commandDefaults(Map<String, ?> values) {
        return put(Source.COMMAND_DEFAULT, values, key -> "default of the command");
    }

    /**
     * A Java properties file; {@code null} = none. A key the definition does not know is an error naming the file
     * and the key (a typo in a file would otherwise be silently ignored).
     */
    public ConfigSources file(Path file) {
        if (file == null) {
            return this;
        }
        Properties props = new Properties();
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            props.load(in);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read configuration file " + file + ": " + e.getMessage(), e);
        }
        Map<String, Object> values = new LinkedHashMap<>();
        for (String key : props.stringPropertyNames()) {
            if (!definition.contains(key)) {
                throw ConfigException.unknown(key, definition.keyNames()).from("configuration file " + file);
            }
            values.put(key, props.getProperty(key));
        }
        return put(Source.FILE, values, key -> "configuration file " + file);
    }

    /**
     * Environment variables {@code GLIMPSE_<KEY>} of this definition's keys. Other variables, including other
     * {@code GLIMPSE_} ones ({@code GLIMPSE_JAVA_OPTS}, another service's keys), are ignored.
     */
    public ConfigSources environment(Map<String, String> environment) {
        return environment(environment, Map.of());
    }

    /**
     * @param aliases further variable names for some keys (variable → key), e.g. a token variable documented before
     *                the {@code GLIMPSE_<KEY>} form; the {@code GLIMPSE_<KEY>} variable wins when both are set
     */
    public ConfigSources environment(Map<String, String> environment, Map<String, String> aliases) {
        Map<String, Object> values = new LinkedHashMap<>();
        Map<String, String> from = new LinkedHashMap<>();
        aliases.forEach((variable, key) -> {
            String v = environment.get(variable);
            if (v != null && !v.isBlank() && definition.contains(key)) {
                values.put(key, v);
                from.put(key, variable);
            }
        });
        for (String key : definition.keyNames()) {
            String variable = environmentVariable(key);
            String v = environment.get(variable);
            if (v != null) {
                values.put(key, v);
                from.put(key, variable);
            }
        }
        return put(Source.ENVIRONMENT, values, key -> "environment variable " + from.get(key));
    }

    /** {@code -c key=value} pairs; an unknown key is refused at {@link #parse}. */
    public ConfigSources overrides(Map<String, ?> values) {
        return put(Source.OVERRIDE, values, key -> "-c " + key);
    }

    /** Values of the flags the user typed. */
    public ConfigSources flags(Map<String, ?> values) {
        return put(Source.FLAG, values, key -> "command line");
    }

    private ConfigSources put(Source source, Map<String, ?> values, Function<String, String> origin) {
        values.forEach((key, value) -> {
            layers.get(source).put(key, value);
            origins.get(source).put(key, origin.apply(key));
        });
        return this;
    }

    /** The merged raw values: for each key, the one of the highest source that has it. */
    public Map<String, Object> raw() {
        Map<String, Object> merged = new LinkedHashMap<>();
        for (Source s : Source.values()) {
            merged.putAll(layers.get(s));
        }
        return merged;
    }

    /** The source that gives {@code key} its value; empty = the definition's default. */
    public Optional<Source> source(String key) {
        Source found = null;
        for (Source s : Source.values()) {
            if (layers.get(s).containsKey(key)) {
                found = s;
            }
        }
        return Optional.ofNullable(found);
    }

    /** True when a file, the environment, {@code -c} or a flag gives {@code key} (not only a default). */
    public boolean isGiven(String key) {
        return source(key).filter(s -> s != Source.COMMAND_DEFAULT).isPresent();
    }

    /** Parses strictly with the definition. */
    public Config parse() {
        return parse(definition::parse);
    }

    /**
     * Parses the merged values with {@code parser} (the service's typed config); a {@link ConfigException} is
     * re-thrown naming the source of the bad value (e.g. the file).
     */
    public <T> T parse(Function<Map<String, Object>, T> parser) {
        try {
            return parser.apply(raw());
        } catch (ConfigException e) {
            Optional<Source> source = e.key() == null ? Optional.empty() : source(e.key());
            if (source.isEmpty() || source.get() == Source.FLAG || source.get() == Source.OVERRIDE) {
                throw e; // the user sees what they typed
            }
            throw e.from(origins.get(source.get()).get(e.key()));
        }
    }
}
