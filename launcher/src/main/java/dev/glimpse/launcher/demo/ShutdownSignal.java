package dev.glimpse.launcher.demo;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Ctrl-C handling for long-running commands: the JVM shutdown hook signals the command's main thread and then
 * waits (up to 30 s) until the command has closed its services, so that brokers and transactions end cleanly
 * instead of being cut off when the hook returns. Open it first in try-with-resources so it closes last.
 */
public final class ShutdownSignal implements AutoCloseable {

    private final CountDownLatch stop = new CountDownLatch(1);
    private final CountDownLatch done = new CountDownLatch(1);
    private final Thread hook;

    public ShutdownSignal() {
        hook = new Thread(() -> {
            stop.countDown();
            try {
                done.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "glimpse-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /** Waits up to {@code millis}; true when a shutdown was requested. */
    public boolean await(long millis) throws InterruptedException {
        return stop.await(millis, TimeUnit.MILLISECONDS);
    }

    public boolean requested() {
        return stop.getCount() == 0;
    }

    /** Marks the command as cleaned up (releasing a waiting hook) and unregisters the hook otherwise. */
    @Override
    public void close() {
        done.countDown();
        if (!requested()) {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // the JVM is already shutting down; the hook is running and has been released above
            }
        }
    }
}
