package dev.glimpse.launcher.commands;

import picocli.CommandLine.Option;

/**
 * {@code -h, --help} alone, for commands whose {@code --version} is the model version they write: picocli's
 * {@code mixinStandardHelpOptions} would claim {@code --version} too, and with the clash {@code --help} stopped being a
 * help option (the command then refused {@code --help} for its missing required options).
 */
final class HelpOption {

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
    boolean help;
}
