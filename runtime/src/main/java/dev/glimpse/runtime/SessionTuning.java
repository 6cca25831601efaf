package dev.glimpse.runtime;

/**
 * Thread and graph-optimisation settings of an ONNX Runtime session.
 *
 * @param intraOpThreads threads inside one operator (a Conv, a MatMul); 0 = one per available core
 * @param interOpThreads threads running independent operators in parallel; 1 keeps execution sequential,
 *                       which is what small classification graphs want
 * @param allowSpinning  whether idle ONNX Runtime worker threads spin instead of sleeping; spinning shaves
 *                       microseconds on a dedicated machine but burns cores that Kafka and other services need on a
 *                       shared one, so it is off unless asked for
 */
public record SessionTuning(int intraOpThreads, int interOpThreads, boolean allowSpinning) {

    /** No spinning. */
    public SessionTuning(int intraOpThreads, int interOpThreads) {
        this(intraOpThreads, interOpThreads, false);
    }

    public SessionTuning {
        if (intraOpThreads < 0) {
            throw new IllegalArgumentException("intraOpThreads must be >= 0, got " + intraOpThreads);
        }
        if (interOpThreads < 1) {
            throw new IllegalArgumentException("interOpThreads must be >= 1, got " + interOpThreads);
        }
    }

    /**
     * One intra-op thread per core the JVM sees, sequential operators. On a machine shared with Kafka and other
     * services, fewer threads than cores avoid oversubscription; callers pass their own tuning for that.
     */
    public static SessionTuning defaults() {
        return new SessionTuning(Math.max(1, Runtime.getRuntime().availableProcessors()), 1);
    }

    /** The resolved intra-op thread count (0 replaced by the core count). */
    public int resolvedIntraOpThreads() {
        return intraOpThreads == 0 ? Math.max(1, Runtime.getRuntime().availableProcessors()) : intraOpThreads;
    }
}
