package dev.glimpse.explainworker.load;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RecentRateTest {

    private final AtomicLong clock = new AtomicLong(1_000_000_000L);
    private final RecentRate meter = new RecentRate(clock::get, 1.0, 10);

    private void advance(double seconds) {
        clock.addAndGet((long) (seconds * 1e9));
    }

    @Test
    void shouldReportTheRateOfTheFirstEventsAtOnceAfterAnIdleStart() {
        // Given a worker that spends 30 s loading its model before explaining anything
        advance(30);
        // When it explains 5 items over the next 2 s (the demo's short run)
        for (int i = 0; i < 5; i++) {
            meter.add(1);
            advance(0.4);
        }
        // Then the rate is 5 over the 2 s since the first one, not diluted by the idle start (the old meter said ~0.0)
        assertEquals(2.5, meter.rate(), 1e-9);
    }

    @Test
    void shouldAverageOverTheWindowOnceItIsFull() {
        // Given 3 events per second for 30 s
        for (int i = 0; i < 90; i++) {
            meter.add(1);
            advance(1.0 / 3);
        }
        // Then the rate over the last 10 s window is 3/s (within one bucket's partial count)
        assertEquals(3.0, meter.rate(), 0.35);
    }

    @Test
    void shouldNotInflateABurstInItsFirstMilliseconds() {
        // Given 8 explanations committed together (one batch) 10 ms ago
        meter.add(8);
        advance(0.01);
        // Then the rate is taken over at least one bucket (1 s): 8/s, not 800/s
        assertEquals(8.0, meter.rate(), 1e-9);
    }

    @Test
    void shouldFallToZeroOneWindowAfterTheLastEvent() {
        meter.add(20);
        advance(5);
        assertEquals(4.0, meter.rate(), 1e-9); // 20 over the 5 s since the first event
        advance(6); // the bucket holding the events has left the 10 s window
        assertEquals(0.0, meter.rate(), 1e-9);
    }

    @Test
    void shouldSayZeroBeforeAnyEvent() {
        advance(3);
        assertEquals(0.0, meter.rate(), 1e-9);
    }
}
