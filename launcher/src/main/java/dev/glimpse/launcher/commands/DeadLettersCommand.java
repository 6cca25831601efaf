package dev.glimpse.launcher.commands;

import dev.glimpse.contracts.events.DeadLetter;
import dev.glimpse.launcher.GlimpseCommand;
import dev.glimpse.launcher.demo.ShutdownSignal;
import dev.glimpse.launcher.topics.KafkaSource;
import dev.glimpse.launcher.topics.TopicReader;
import java.io.PrintStream;
import java.time.Instant;
import java.util.Locale;
import java.util.TreeMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.kafka.common.errors.TimeoutException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ./glimpse deadletters}: the {@code deadletter} topic, one readable line per record (time, stage, reason,
 * image id, detail, where it came from and how big the original was), filtered by stage and reason; a count by
 * stage and reason at the end. Built on the same {@link TopicReader} as {@code tail}.
 */
@Command(name = "deadletters", mixinStandardHelpOptions = true,
        description = "Print dead letters readably (all so far; --follow for new ones).")
public final class DeadLettersCommand implements GlimpseCommand, Callable<Integer> {

    @Option(names = "--stage", description = "only this stage: ingest, inference, explain, training")
    String stage;

    @Option(names = "--reason", description = "only this reason, e.g. too-many-bytes, undecodable, image-unavailable")
    String reason;

    @Option(names = "--follow", description = "after the existing ones, keep printing new dead letters until Ctrl-C")
    boolean follow;

    @Mixin
    KafkaSource source;

    @Override
    public Integer call() throws Exception {
        return UsageErrors.report("deadletters", () -> run(System.out));
    }

    Integer run(PrintStream out) throws Exception {
        var topic = source.catalog().deadletter();
        Map<String, Integer> counts = new TreeMap<>();
        try (KafkaSource.Connection kafka = source.open(); ShutdownSignal shutdown = new ShutdownSignal()) {
            new TopicReader(kafka.clients(), topic).read(true, follow, () -> !shutdown.requested(), r -> {
                if (!(r.value() instanceof DeadLetter d)) {
                    out.println(TailCommand.text(r));
                    return;
                }
                if ((stage != null && !stage.equals(d.getStage())) || (reason != null && !reason.equals(d.getReason()))) {
                    return;
                }
                counts.merge(d.getStage() + " " + d.getReason(), 1, Integer::sum);
                out.println(line(d, r.timestamp()));
                out.flush();
            });
        } catch (TimeoutException e) {
            throw new IllegalArgumentException("cannot reach Kafka (" + e.getMessage() + ")");
        }
        StringBuilder b = new StringBuilder("dead letters: ").append(counts.values().stream().mapToInt(Integer::intValue).sum());
        counts.forEach((k, n) -> b.append(" | ").append(k).append(' ').append(n));
        out.println(b);
        return 0;
    }

    /**
     * {@code 2026-12-07T03:01:02Z  ingest  too-many-bytes  img-9  "the request body exceeds ..."  (from images p0@12,
     * 9.1 MB, first 1.0 MB kept)}.
     */
    static String line(DeadLetter d, long recordTime) {
        long at = d.getFailedAtMs() > 0 ? d.getFailedAtMs() : recordTime;
        StringBuilder b = new StringBuilder().append(Instant.ofEpochMilli(at)).append("  ").append(d.getStage())
                .append("  ").append(d.getReason()).append("  ").append(d.getImageId().isEmpty() ? "-" : d.getImageId())
                .append("  \"").append(d.getDetail().replace("\n", " ")).append('"');
        StringBuilder src = new StringBuilder();
        if (!d.getSourceTopic().isEmpty()) {
            src.append("from ").append(d.getSourceTopic()).append(" p").append(d.getSourcePartition()).append('@').append(d.getSourceOffset());
        }
        long size = d.getOriginalSize() > 0 ? d.getOriginalSize() : d.getOriginalValue().size();
        if (size > 0) {
            src.append(src.isEmpty() ? "" : ", ").append(bytes(size));
            if (d.getOriginalTruncated()) {
                src.append(", first ").append(bytes(d.getOriginalValue().size())).append(" kept");
            }
        }
        if (!src.isEmpty()) {
            b.append("  (").append(src).append(')');
        }
        return b.toString();
    }

    private static String bytes(long n) {
        return n < 1024 ? n + " B" : n < 1 << 20 ? String.format(Locale.ROOT, "%.1f KB", n / 1024.0)
                : String.format(Locale.ROOT, "%.1f MB", n / (1024.0 * 1024));
    }
}
