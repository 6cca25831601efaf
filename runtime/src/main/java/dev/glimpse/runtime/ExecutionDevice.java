package dev.glimpse.runtime;

import java.util.Locale;
import java.util.Objects;

/**
 * Where a model runs: {@code cpu}, {@code cuda} / {@code cuda:N} (strict: the session fails to open when the CUDA
 * execution provider cannot be added), or {@code auto} (CUDA device 0 when it can be had, otherwise CPU with a
 * warning). {@link #toString()} gives back the command-line spelling, which is also the metric label value.
 */
public final class ExecutionDevice {

    /** The kind of device asked for. */
    public enum Kind { CPU, CUDA, AUTO }

    public static final ExecutionDevice CPU = new ExecutionDevice(Kind.CPU, 0);
    public static final ExecutionDevice AUTO = new ExecutionDevice(Kind.AUTO, 0);

    private final Kind kind;
    private final int cudaDeviceId;

    private ExecutionDevice(Kind kind, int cudaDeviceId) {
        this.kind = kind;
        this.cudaDeviceId = cudaDeviceId;
    }

    public static ExecutionDevice cuda(int deviceId) {
        if (deviceId < 0) {
            throw new IllegalArgumentException("CUDA device id must be >= 0, got " + deviceId);
        }
        return new ExecutionDevice(Kind.CUDA, deviceId);
    }

    /**
     * Parses {@code cpu}, {@code cuda}, {@code cuda:N} or {@code auto} (case-insensitive).
     *
     * @throws IllegalArgumentException quoting the value when it is none of these
     */
    public static ExecutionDevice parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("device must be one of cpu, cuda, cuda:N, auto; got null");
        }
        String t = text.trim().toLowerCase(Locale.ROOT);
        if (t.equals("cpu")) {
            return CPU;
        }
        if (t.equals("auto")) {
            return AUTO;
        }
        if (t.equals("cuda") || t.equals("gpu")) {
            return cuda(0);
        }
        if (t.startsWith("cuda:")) {
            try {
                return cuda(Integer.parseInt(t.substring("cuda:".length())));
            } catch (IllegalArgumentException e) {
                // falls through to the common message below
            }
        }
        throw new IllegalArgumentException("device must be one of cpu, cuda, cuda:N, auto; got '" + text + "'");
    }

    public Kind kind() {
        return kind;
    }

    /** The CUDA device ordinal; 0 for {@code auto}, meaningless for {@code cpu}. */
    public int cudaDeviceId() {
        return cudaDeviceId;
    }

    public boolean isCuda() {
        return kind == Kind.CUDA;
    }

    @Override
    public String toString() {
        return switch (kind) {
            case CPU -> "cpu";
            case AUTO -> "auto";
            case CUDA -> "cuda:" + cudaDeviceId;
        };
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ExecutionDevice d && d.kind == kind && (kind != Kind.CUDA || d.cudaDeviceId == cudaDeviceId);
    }

    @Override
    public int hashCode() {
        return Objects.hash(kind, kind == Kind.CUDA ? cudaDeviceId : 0);
    }
}
