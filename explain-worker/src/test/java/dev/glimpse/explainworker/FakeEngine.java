package dev.glimpse.explainworker;

import dev.glimpse.contracts.events.Artifact;
import dev.glimpse.contracts.events.Explanation;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/** An engine that explains instantly (one artifact naming the method) and can simulate a crash on a given call. */
final class FakeEngine implements ExplanationEngine {

    /** Thrown to stop the worker thread the way a JVM crash would: nothing after it runs in the loop. */
    static final class SimulatedCrash extends Error {
        SimulatedCrash() {
            super("simulated crash");
        }
    }

    private final int crashOnCall;
    final AtomicInteger calls = new AtomicInteger();
    final AtomicInteger items = new AtomicInteger();
    final List<ModelKey> retired = new ArrayList<>();

    /** @param crashOnCall 1-based call that crashes, or 0 for never */
    FakeEngine(int crashOnCall) {
        this.crashOnCall = crashOnCall;
    }

    @Override
    public List<Result> explain(List<ExplainItem> batch) {
        if (calls.incrementAndGet() == crashOnCall) {
            try {
                Thread.sleep(500); // lets the sends of earlier groups reach the broker, inside the open transaction
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            throw new SimulatedCrash();
        }
        List<Result> out = new ArrayList<>();
        for (ExplainItem it : batch) {
            items.incrementAndGet();
            out.add(Result.ok(it, Explanation.newBuilder().setImageId(it.prediction().getImageId())
                    .setModelName(it.prediction().getModelName()).setModelVersion(it.prediction().getModelVersion())
                    .setTargetClass(it.target()).setReason(it.reason())
                    .addArtifacts(Artifact.newBuilder().setMethod(it.method()).setDurationMs(1)).build()));
        }
        return out;
    }

    @Override
    public synchronized void retire(ModelKey model) {
        retired.add(model);
    }
}
