package dev.glimpse.launcher.commands;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.glimpse.launcher.GlimpseCommand;
import dev.glimpse.launcher.demo.ShutdownSignal;
import dev.glimpse.launcher.topics.KafkaSource;
import dev.glimpse.launcher.topics.ProtobufJson;
import dev.glimpse.launcher.topics.TopicReader;
import java.io.PrintStream;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.Callable;
import org.apache.kafka.common.errors.TimeoutException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ./glimpse tail TOPIC}: any Glimpse topic decoded to one JSON line per record (read_committed; bytes such
 * as image data shown as their size). Without {@code --from-beginning} it follows new records until Ctrl-C; with it,
 * it reads what is there and stops (unless {@code --follow}).
 */
@Command(name = "tail", mixinStandardHelpOptions = true,
        description = "Print a Glimpse topic's records as JSON lines (images without their bytes).")
public final class TailCommand implements GlimpseCommand, Callable<Integer> {

    @Parameters(index = "0", paramLabel = "TOPIC", description = "images, predictions, explanations, labels, models, deadletter, ...")
    String topicName;

    @Option(names = "--from-beginning", description = "read from the first record, then stop at the end (unless --follow)")
    boolean fromBeginning;

    @Option(names = "--follow", description = "keep reading new records until Ctrl-C (the default without --from-beginning)")
    boolean follow;

    @Option(names = "--count", description = "print only 'records N, distinct keys K' of the whole topic")
    boolean count;

    @Option(names = "--json", description = "one JSON object per line with topic, partition, offset, timestamp, key and value")
    boolean json;

    @Mixin
    KafkaSource source;

    @Override
    public Integer call() throws Exception {
        return UsageErrors.report("tail", () -> run(System.out));
    }

    Integer run(PrintStream out) throws Exception {
        var topic = TopicReader.find(source.catalog(), topicName);
        try (KafkaSource.Connection kafka = source.open(); ShutdownSignal shutdown = new ShutdownSignal()) {
            TopicReader reader = new TopicReader(kafka.clients(), topic);
            if (count) {
                Set<String> keys = new HashSet<>();
                long n = reader.read(true, false, () -> !shutdown.requested(), r -> keys.add(String.valueOf(r.key())));
                out.println("records " + n + ", distinct keys " + keys.size());
                return 0;
            }
            boolean keepFollowing = follow || !fromBeginning;
            reader.read(fromBeginning, keepFollowing, () -> !shutdown.requested(), r -> {
                out.println(json ? line(r).toString() : text(r));
                out.flush();
            });
            return 0;
        } catch (TimeoutException e) {
            throw new IllegalArgumentException("cannot reach Kafka (" + e.getMessage() + ")");
        }
    }

    static ObjectNode line(TopicReader.Decoded r) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("topic", r.topic()).put("partition", r.partition()).put("offset", r.offset()).put("timestamp", r.timestamp());
        o.put("key", r.key());
        if (r.value() != null) {
            o.set("value", ProtobufJson.toJson(r.value()));
        } else if (r.error() != null) {
            o.put("error", r.error());
        } else {
            o.putNull("value");
        }
        return o;
    }

    /** {@code 2026-12-07T03:01:02.123Z p1@42 img-7 {...}}: the time, partition@offset, key and the value's JSON. */
    static String text(TopicReader.Decoded r) {
        String value = r.value() != null ? ProtobufJson.toJson(r.value()).toString()
                : r.error() != null ? "(" + r.error() + ")" : "(tombstone)";
        return Instant.ofEpochMilli(r.timestamp()) + " p" + r.partition() + "@" + r.offset() + " " + r.key() + " " + value;
    }
}
