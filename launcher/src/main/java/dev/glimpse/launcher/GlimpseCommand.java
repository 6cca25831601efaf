package dev.glimpse.launcher;

/**
 * Marker for a picocli {@code @Command} class that is a subcommand of {@code ./glimpse}.
 * Register an implementation in {@code META-INF/services/dev.glimpse.launcher.GlimpseCommand}.
 */
public interface GlimpseCommand {
}
