package dev.glimpse.launcher.demo;

import dev.glimpse.platform.GlimpseService;
import java.util.List;
import java.util.Locale;

/**
 * One status line on stderr while the demo starts and stops its services, saying what it waits for: a Kafka Streams
 * service joining its group, a worker getting its partitions, a service finishing its work on close. Without it a
 * slow start or stop looks like a hang.
 */
public final class StartupProgress {

    private static final String CLEAR = "\r\033[K";

    private StartupProgress() {
    }

    public static void starting(GlimpseService s) {
        line("starting " + s.name() + " (its Kafka clients join their groups; Kafka Streams waits for its tasks) ...");
    }

    public static void awaitingPartitions(GlimpseService s) {
        line("waiting for " + s.name() + " to be ready (a consumer: its partitions) ...");
    }

    public static void done() {
        System.err.print(CLEAR);
        System.err.flush();
    }

    /** Closes the services in reverse start order, naming the one being waited for, then the total time. */
    public static void stop(List<GlimpseService> started) {
        long t0 = System.nanoTime();
        for (int i = started.size() - 1; i >= 0; i--) {
            GlimpseService s = started.get(i);
            line("stopping " + s.name() + " ...");
            long t = System.nanoTime();
            try {
                s.close();
            } catch (RuntimeException e) {
                System.err.println();
                System.err.println("closing " + s.name() + " failed: " + e);
            }
            double seconds = (System.nanoTime() - t) / 1e9;
            if (seconds >= 1) { // keep the slow ones on screen: they are what a Ctrl-C waits for
                line(String.format(Locale.ROOT, "%s stopped in %.1f s%n", s.name(), seconds));
            }
        }
        line(String.format(Locale.ROOT, "services stopped in %.1f s; stopping Kafka ...", (System.nanoTime() - t0) / 1e9));
    }

    private static void line(String text) {
        System.err.print(CLEAR + "glimpse demo: " + text);
        System.err.flush();
    }
}
