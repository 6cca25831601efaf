package dev.glimpse.launcher.demo;

import dev.glimpse.platform.GlimpseService;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

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

    /**
     * Closes the services: the last started first and alone (the source: the ingest service, so no new events
     * arrive), then all the others at once — each consumer commits or aborts its own transaction and none waits
     * for another, so a Ctrl-C waits for the slowest of them rather than their sum. The status line names those
     * still being waited for; each that took a second or more stays on screen with its time.
     */
    public static void stop(List<GlimpseService> started) {
        long t0 = System.nanoTime();
        if (!started.isEmpty()) {
            GlimpseService source = started.get(started.size() - 1);
            line("stopping " + source.name() + " ...");
            closeTimed(source);
        }
        List<GlimpseService> rest = started.subList(0, Math.max(0, started.size() - 1));
        List<GlimpseService> waiting = Collections.synchronizedList(new ArrayList<>(rest));
        List<Thread> closers = new ArrayList<>();
        for (GlimpseService s : rest) {
            Thread closer = new Thread(() -> {
                closeTimed(s);
                waiting.remove(s);
            }, "stop-" + s.name());
            closer.start();
            closers.add(closer);
        }
        boolean interrupted = false;
        for (Thread t : closers) {
            while (t.isAlive()) {
                synchronized (waiting) {
                    if (!waiting.isEmpty()) {
                        line("stopping " + waiting.stream().map(GlimpseService::name).distinct()
                                .collect(Collectors.joining(", ")) + " ...");
                    }
                }
                try {
                    t.join(250);
                } catch (InterruptedException e) {
                    interrupted = true; // a second Ctrl-C: the closers still finish their transactions
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        line(String.format(Locale.ROOT, "services stopped in %.1f s; stopping Kafka ...", (System.nanoTime() - t0) / 1e9));
    }

    private static void closeTimed(GlimpseService s) {
        long t = System.nanoTime();
        try {
            s.close();
        } catch (RuntimeException e) {
            synchronized (StartupProgress.class) {
                System.err.println();
                System.err.println("closing " + s.name() + " failed: " + e);
            }
        }
        double seconds = (System.nanoTime() - t) / 1e9;
        if (seconds >= 1) { // keep the slow ones on screen: they are what a Ctrl-C waits for
            line(String.format(Locale.ROOT, "%s stopped in %.1f s%n", s.name(), seconds));
        }
    }

    private static synchronized void line(String text) {
        System.err.print(CLEAR + "glimpse demo: " + text);
        System.err.flush();
    }
}
