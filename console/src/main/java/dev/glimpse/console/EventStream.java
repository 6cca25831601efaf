package dev.glimpse.console;

import com.sun.net.httpserver.HttpExchange;
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

    private final CopyOnWriteArrayList<HttpExchange> subscribers = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService keepAlive = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "console-sse-keepalive");
        t.setDaemon(true);
        return t;
    });

    EventStream() {
        keepAlive.scheduleAtFixedRate(() -> send(": keep-alive\n\n"), 15, 15, TimeUnit.SECONDS);
    }

    void subscribe(HttpExchange exchange) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
        exchange.getResponseHeaders().set("Cache-Control", "no-cache");
        exchange.sendResponseHeaders(200, 0);
        OutputStream out = exchange.getResponseBody();
        out.write(": connected\n\n".getBytes(StandardCharsets.UTF_8));
        out.flush();
        subscribers.add(exchange);
    }

    void broadcast(String event, String json) {
        send("event: " + event + "\ndata: " + json.replace("\n", "\ndata: ") + "\n\n");
    }

    int subscribers() {
        return subscribers.size();
    }

    private void send(String frame) {
        byte[] bytes = frame.getBytes(StandardCharsets.UTF_8);
        for (HttpExchange ex : subscribers) {
            try {
                synchronized (ex) {
                    OutputStream out = ex.getResponseBody();
                    out.write(bytes);
                    out.flush();
                }
            } catch (IOException e) {
                subscribers.remove(ex);
                ex.close();
            }
        }
    }

    @Override
    public void close() {
        keepAlive.shutdownNow();
        for (HttpExchange ex : subscribers) {
            ex.close();
        }
        subscribers.clear();
    }
}
