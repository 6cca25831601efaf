package dev.glimpse.training;

import java.io.PrintStream;
import java.util.Locale;

/** One self-overwriting status line on stderr: epoch, bar, examples/s, running loss, ETA. */
final class ProgressBar {

    private final PrintStream out;
    private final boolean enabled;
    private long lastDraw;

    ProgressBar(PrintStream out, boolean enabled) {
        this.out = out;
        this.enabled = enabled;
    }

    void update(int epoch, int epochs, long done, long total, double examplesPerSecond, double loss, double etaSeconds,
                boolean force) {
        if (!enabled) {
            return;
        }
        long now = System.nanoTime();
        if (!force && now - lastDraw < 200_000_000L) {
            return;
        }
        lastDraw = now;
        int width = 24;
        int filled = (int) (width * done / Math.max(1, total));
        String bar = "=".repeat(filled) + (filled < width ? ">" + " ".repeat(width - filled - 1) : "");
        out.print(String.format(Locale.ROOT, "\repoch %d/%d [%s] %d/%d  %,.0f ex/s  loss %.4f  ETA %s   ",
                epoch, epochs, bar, done, total, examplesPerSecond, loss, eta(etaSeconds)));
        out.flush();
    }

    void finishLine(String message) {
        if (enabled) {
            out.print("\r" + " ".repeat(100) + "\r");
        }
        out.println(message);
        out.flush();
    }

    private static String eta(double s) {
        long sec = Math.max(0, Math.round(s));
        return sec >= 3600 ? String.format("%dh%02dm", sec / 3600, sec / 60 % 60) : String.format("%d:%02d", sec / 60, sec % 60);
    }
}
