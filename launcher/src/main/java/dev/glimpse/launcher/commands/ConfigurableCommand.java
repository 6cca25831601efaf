package dev.glimpse.launcher.commands;

import dev.glimpse.platform.config.ConfigDefinition;
import java.util.Map;

/** A service command configured through a {@link ConfigDefinition} (and so through -c, --config and GLIMPSE_ variables). */
public interface ConfigurableCommand {

    /** Every key the command accepts. */
    ConfigDefinition definition();

    /** Environment variables read besides {@code GLIMPSE_<KEY>}, each with the key it sets. */
    default Map<String, String> environmentAliases() {
        return Map.of();
    }
}
