package dev.glimpse.launcher.demo;

import dev.glimpse.contracts.events.IngestPosition;
import dev.glimpse.ingest.IngestService;
import dev.glimpse.ingest.source.DatasetReplay;
import dev.glimpse.platform.GlimpseService;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The dataset replay run a demo drives: its id (the prefix of its image ids), when it first started and where this
 * start resumed it (0 for a new run), read from the demo's ingest service once its replay has begun.
 */
public record ReplayRun(String runId, long startedAtMs, long resumedAt, DatasetReplay replay) {

    /** Whether an image id belongs to this run ({@code <run id>:<index>}). */
    public boolean owns(String imageId) {
        return imageId.startsWith(runId + ":");
    }

    /** The run of the ingest service among {@code services}, once known (empty when no service replays a dataset). */
    public static Optional<ReplayRun> of(List<GlimpseService> services, Duration timeout) throws InterruptedException {
        Optional<DatasetReplay> replay = services.stream().filter(IngestService.class::isInstance)
                .map(IngestService.class::cast).flatMap(s -> s.replay().stream()).findFirst();
        if (replay.isEmpty()) {
            return Optional.empty();
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        while (replay.get().currentRun().isEmpty()) {
            if (replay.get().done().isCompletedExceptionally() || System.nanoTime() > deadline) {
                throw new IllegalStateException("the dataset replay did not begin within " + timeout
                        + (replay.get().done().isCompletedExceptionally() ? " (it failed; see the log above)" : ""));
            }
            Thread.sleep(10);
        }
        IngestPosition p = replay.get().currentRun().get();
        return Optional.of(new ReplayRun(p.getRunId(), p.getStartedAtMs(), p.getNextIndex(), replay.get()));
    }
}
