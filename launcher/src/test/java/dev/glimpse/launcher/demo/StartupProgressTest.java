package dev.glimpse.launcher.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glimpse.platform.GlimpseService;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class StartupProgressTest {

    /** A service whose close takes {@code closeMillis} and records when it began and ended. */
    private static final class SlowToClose implements GlimpseService {
        private final String name;
        private final long closeMillis;
        private final List<String> events;

        SlowToClose(String name, long closeMillis, List<String> events) {
            this.name = name;
            this.closeMillis = closeMillis;
            this.events = events;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public void start() {
        }

        @Override
        public void close() {
            events.add("begin " + name);
            try {
                Thread.sleep(closeMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            events.add("end " + name);
        }
    }

    @Test
    void shouldCloseTheSourceFirstThenTheOthersTogether() {
        // Given four services started in this order, the last (the source) and three that take 1.5 s each to close
        List<String> events = Collections.synchronizedList(new ArrayList<>());
        List<GlimpseService> started = List.of(new SlowToClose("monitoring", 1500, events),
                new SlowToClose("inference-worker", 1500, events), new SlowToClose("explain-worker", 1500, events),
                new SlowToClose("ingest", 200, events));

        long t0 = System.nanoTime();
        StartupProgress.stop(started);
        double seconds = (System.nanoTime() - t0) / 1e9;

        // Then the source was closed alone and first, every other one was closed, and the stop took about the
        // slowest close rather than the sum of them (4.7 s one after the other)
        assertEquals(List.of("begin ingest", "end ingest"), events.subList(0, 2));
        assertEquals(8, events.size(), "every service closed: " + events);
        assertTrue(events.subList(2, 5).stream().allMatch(e -> e.startsWith("begin ")),
                "the three others began closing before any of them ended: " + events);
        assertTrue(seconds < 3.5, "closed together, not one after the other: " + seconds + " s");
    }
}
