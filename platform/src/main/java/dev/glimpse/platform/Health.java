package dev.glimpse.platform;

import java.util.Objects;

/**
 * What a service says about itself on {@code /health}: {@code UP}, {@code DEGRADED} (running, but not keeping its
 * promise — e.g. a consumer falling behind — with the reason) or {@code DOWN} (stopped).
 *
 * @param status the state
 * @param reason why it is not UP; empty when UP
 */
public record Health(Status status, String reason) {

    /** Ordered from best to worst, so that the worst of several is the largest. */
    public enum Status { UP, DEGRADED, DOWN }

    private static final Health UP = new Health(Status.UP, "");

    public Health {
        Objects.requireNonNull(status, "status");
        reason = reason == null ? "" : reason;
    }

    public static Health up() {
        return UP;
    }

    public static Health degraded(String reason) {
        return new Health(Status.DEGRADED, reason);
    }

    public static Health down(String reason) {
        return new Health(Status.DOWN, reason);
    }

    /** UP when {@code ok}, else DOWN (the boolean checks: running or not). */
    public static Health of(boolean ok) {
        return ok ? UP : new Health(Status.DOWN, "");
    }
}
