package dev.glimpse.launcher.commands;

import com.sun.management.OperatingSystemMXBean;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * CPU time per thread group of this JVM, in microseconds: Java threads by name with digits folded (ThreadMXBean), the
 * JIT compiler and GC threads ({@code /proc/self/task}, Linux only, 10 ms ticks), and the rest of the process's CPU
 * time, which is ONNX Runtime's own pool threads (and threads that ended meanwhile). The embedded broker's threads
 * are one group, {@code embedded broker}, shown with its largest thread groups under it.
 */
record ThreadCpu(Map<String, Long> microsByGroup) {

    static final String BROKER = "embedded broker";
    private static final String OTHER = "ONNX Runtime pool threads and other native threads";

    static ThreadCpu now() {
        Map<String, Long> micros = new TreeMap<>();
        long accounted = 0;
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        for (ThreadInfo t : mx.getThreadInfo(mx.getAllThreadIds())) {
            long ns = t == null ? -1 : mx.getThreadCpuTime(t.getThreadId());
            if (ns > 0) {
                micros.merge(group(t.getThreadName()), ns / 1000, Long::sum);
                accounted += ns / 1000;
            }
        }
        Path tasks = Path.of("/proc/self/task");
        if (Files.isDirectory(tasks)) {
            try (Stream<Path> all = Files.list(tasks)) {
                for (Path task : (Iterable<Path>) all::iterator) {
                    try {
                        String stat = Files.readString(task.resolve("stat"));
                        String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                        long t = (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10_000; // utime + stime, 10 ms ticks
                        String g = name.contains("Compiler") ? "JIT compiler"
                                : name.startsWith("GC ") || name.startsWith("G1") ? "GC" : null;
                        if (g != null) {
                            micros.merge(g, t, Long::sum);
                            accounted += t;
                        }
                    } catch (IOException | RuntimeException e) {
                        // the thread ended meanwhile
                    }
                }
            } catch (IOException e) {
                // no per-thread figures on this system
            }
        }
        if (ManagementFactory.getOperatingSystemMXBean()
                instanceof OperatingSystemMXBean os && os.getProcessCpuTime() > 0) {
            micros.put(OTHER, Math.max(0, os.getProcessCpuTime() / 1000 - accounted));
        }
        return new ThreadCpu(micros);
    }

    /** The thread groups whose work is Kafka's: the broker and the clients' own threads. */
    static boolean isKafka(String group) {
        return isBroker(group) || group.startsWith("kafka-producer-network-thread")
                || group.startsWith("kafka-coordinator-heartbeat") || group.startsWith("glimpse-inference-poll-")
                || group.startsWith("glimpse-inference-commit-") || group.startsWith("glimpse-bench-");
    }

    private static boolean isBroker(String group) {
        return group.startsWith(BROKER);
    }

    /** A thread's group: its name with digits folded; the broker's threads as {@code embedded broker/<group>}. */
    static String group(String thread) {
        String g = thread.replaceAll("\\d+", "N");
        boolean client = g.startsWith("kafka-producer") || g.startsWith("kafka-coordinator-heartbeat");
        if (!client && (g.startsWith("data-plane-kafka") || g.startsWith("kafka-") || g.startsWith("group-coordinator")
                || g.startsWith("Txn") || g.startsWith("AddPartitions") || g.startsWith("ExpirationReaper")
                || g.startsWith("quorum") || g.startsWith("broker-") || g.startsWith("executor-")
                || g.startsWith("transaction-") || g.startsWith("LogDirFailure") || g.startsWith("raft-")
                || g.startsWith("controller-") || g.startsWith("share-") || g.startsWith("persister-")
                || g.startsWith("network-partition-metadata") || g.startsWith("ReplicaFetcher")
                || g.startsWith("feature-") || g.startsWith("client-metrics"))) {
            return BROKER + "/" + g;
        }
        return g;
    }

    /** CPU microseconds per thread group since {@code before}, largest first. */
    List<Map.Entry<String, Long>> since(ThreadCpu before) {
        List<Map.Entry<String, Long>> used = new ArrayList<>();
        for (Map.Entry<String, Long> e : microsByGroup.entrySet()) {
            long d = e.getValue() - before.microsByGroup.getOrDefault(e.getKey(), 0L);
            if (d > 0) {
                used.add(Map.entry(e.getKey(), d));
            }
        }
        used.sort(Map.Entry.<String, Long>comparingByValue().reversed());
        return used;
    }

    /** The groups with the broker's folded into one {@link #BROKER} group, largest first. */
    private static List<Map.Entry<String, Long>> brokerFolded(List<Map.Entry<String, Long>> used) {
        Map<String, Long> folded = new TreeMap<>();
        used.forEach(e -> folded.merge(isBroker(e.getKey()) ? BROKER : e.getKey(), e.getValue(), Long::sum));
        List<Map.Entry<String, Long>> list = new ArrayList<>(folded.entrySet());
        list.sort(Map.Entry.<String, Long>comparingByValue().reversed());
        return list;
    }

    static long kafkaMicros(List<Map.Entry<String, Long>> used) {
        return used.stream().filter(e -> isKafka(e.getKey())).mapToLong(Map.Entry::getValue).sum();
    }

    static long brokerMicros(List<Map.Entry<String, Long>> used) {
        return used.stream().filter(e -> isBroker(e.getKey())).mapToLong(Map.Entry::getValue).sum();
    }

    /** Prints the CPU per thread group since {@code before}, per image, and Kafka's share. */
    void printSince(ThreadCpu before, double seconds, int images) {
        List<Map.Entry<String, Long>> used = since(before);
        long total = used.stream().mapToLong(Map.Entry::getValue).sum();
        System.out.printf(Locale.ROOT, "  CPU during the timed run: %.2f s of CPU in %.2f s (%.2f cores), %.0f us per image%n",
                total / 1e6, seconds, total / 1e6 / seconds, total / (double) images);
        for (Map.Entry<String, Long> e : brokerFolded(used)) {
            if (e.getValue() * 1000 < total) {
                continue; // under 0.1 %
            }
            System.out.printf(Locale.ROOT, "    %5.1f%%  %6.0f us/image  %s%n", 100.0 * e.getValue() / total,
                    e.getValue() / (double) images, e.getKey());
            if (e.getKey().equals(BROKER)) {
                printBrokerThreads(used, e.getValue(), images);
            }
        }
        long kafka = kafkaMicros(used);
        long broker = brokerMicros(used);
        System.out.printf(Locale.ROOT, "  Kafka CPU: %.0f us per image (goal <= 40): embedded broker %.0f, clients (producer "
                        + "network threads, the worker's poll and commit threads, the reader) %.0f%n",
                kafka / (double) images, broker / (double) images, (kafka - broker) / (double) images);
    }

    private static void printBrokerThreads(List<Map.Entry<String, Long>> used, long broker, int images) {
        for (Map.Entry<String, Long> b : used) {
            if (isBroker(b.getKey()) && b.getValue() * 20 >= broker) { // 5 % of the broker's CPU or more
                System.out.printf(Locale.ROOT, "               %6.0f us/image    %s%n", b.getValue() / (double) images,
                        b.getKey().substring(BROKER.length() + 1));
            }
        }
    }

    /**
     * Kafka's CPU per second with the clients attached and no images (since {@code runEnd}), and from it the
     * marginal Kafka CPU per image of the run ({@code runStart} to {@code runEnd}): the run's Kafka CPU less what
     * the same seconds cost idle.
     */
    void printIdleSince(ThreadCpu runEnd, double idleSeconds, ThreadCpu runStart, double runSeconds, int images) {
        List<Map.Entry<String, Long>> idle = since(runEnd);
        StringBuilder groups = new StringBuilder();
        for (Map.Entry<String, Long> e : brokerFolded(idle)) {
            if (isKafka(e.getKey()) && e.getValue() >= 1000 * idleSeconds) {
                groups.append(String.format(Locale.ROOT, ", %s %.0f", e.getKey(), e.getValue() / 1000.0 / idleSeconds));
            }
        }
        double idleKafkaMsPerSecond = kafkaMicros(idle) / 1000.0 / idleSeconds;
        double idleBrokerMsPerSecond = brokerMicros(idle) / 1000.0 / idleSeconds;
        System.out.printf(Locale.ROOT, "  Kafka CPU idle (same clients attached, no images, %.0f s): %.0f ms per second%s%n",
                idleSeconds, idleKafkaMsPerSecond, groups);
        List<Map.Entry<String, Long>> run = runEnd.since(runStart);
        double runKafkaMs = kafkaMicros(run) / 1000.0;
        double runBrokerMs = brokerMicros(run) / 1000.0;
        System.out.printf(Locale.ROOT, "  Kafka CPU during the run: %.0f ms per second (broker %.0f); per image over idle "
                        + "(marginal): %.0f us, of which the broker %.0f%n",
                runKafkaMs / runSeconds, runBrokerMs / runSeconds,
                Math.max(0, runKafkaMs - idleKafkaMsPerSecond * runSeconds) * 1000 / images,
                Math.max(0, runBrokerMs - idleBrokerMsPerSecond * runSeconds) * 1000 / images);
    }
}
