package dev.glimpse.launcher;

/**
 * Marker for a picocli {@code @Command} that is a subcommand of {@code ./glimpse bench} (e.g. {@code bench explain},
 * {@code bench train}). Register an implementation in
 * {@code META-INF/services/dev.glimpse.launcher.BenchSubcommand}; several modules can each add their own.
 */
public interface BenchSubcommand {
}
