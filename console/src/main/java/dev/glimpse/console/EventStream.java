package dev.glimpse.console;

import dev.glimpse.platform.http.HttpCall;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Server-sent events to every open gallery: each broadcast is written to all subscribers; a subscriber whose
 * connection fails is dropped. A comment line every 15 s keeps idle connections (and proxies) open.
 */
final class EventStream implements AutoCloseable {

    private final CopyOnWriteArrayList<OutputStream> subscribers = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService keepAlive = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "console-sse-keepalive");
        t.setDaemon(true);
        return t;
    });

    EventStream() {
        keepAlive.scheduleAtFixedRate(() -> send(": keep-alive\n\n"), 15, 15, TimeUnit.SECONDS);
    }

    /** Opens the stream of one gallery; it stays open after this returns, until the client leaves or {@link #close}. */
    void subscribe(HttpCall call) throws IOException {
        call.setHeader("Cache-Control", "no-cache");
        OutputStream out = call.openStream(200, "text/event-stream; charset=utf-8");
        synchronized (out) {
            out.write(": connected\n\n".getBytes(StandardCharsets.UTF_8));
            out.flush();
        }
        subscribers.add(out);
    }

    void broadcast(String event, String json) {
        send("event: " + event + "\ndata: " + json.replace("\n", "\ndata: ") + "\n\n");
    }

    int subscribers() {
        return subscribers.size();
    }

    private void send(String frame) {
        byte[] bytes = frame.getBytes(StandardCharsets.UTF_8);
        for (OutputStream out : subscribers) {
            try {
                synchronized (out) {
                    out.write(bytes);
                    out.flush();
                }
            } catch (IOException e) {
                subscribers.remove(out);
                closeQuietly(out);
            }
        }
    }

    private static void closeQuietly(OutputStream out) {
        try {
            out.close();
        } catch (IOException | RuntimeException e) {
            // the client is gone already
        }
    }

    @Override
    public void close() {
        keepAlive.shutdownNow();
        for (OutputStream out : subscribers) {
            closeQuietly(out);
        }
        subscribers.clear();
    }
}
