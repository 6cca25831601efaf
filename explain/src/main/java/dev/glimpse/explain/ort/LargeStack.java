package dev.glimpse.explain.ort;

import java.util.concurrent.Callable;

/**
 * Runs work on a thread with a large stack. Building and running the fused backward graphs of deep models
 * (ResNet, DenseNet) recurses deeply in native ONNX Runtime code on the calling thread; with the JVM's default
 * 1 MB main-thread stack that overflowed into a segmentation fault, which no Java handler can report.
 */
public final class LargeStack {

    /** 512 MB of address space; only what is touched is committed. */
    static final long STACK_BYTES = 512L << 20;

    private LargeStack() {
    }

    public static <T> T call(Callable<T> work) throws Exception {
        Object[] result = new Object[1];
        Throwable[] failure = new Throwable[1];
        Thread t = new Thread(null, () -> {
            try {
                result[0] = work.call();
            } catch (Throwable e) {
                failure[0] = e;
            }
        }, "glimpse-large-stack", STACK_BYTES);
        t.start();
        t.join();
        if (failure[0] instanceof Exception e) {
            throw e;
        }
        if (failure[0] instanceof Error e) {
            throw e;
        }
        @SuppressWarnings("unchecked")
        T r = (T) result[0];
        return r;
    }
}
