package dev.glimpse.platform.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One cluster per data directory: a second one is refused before it opens a file there (seen: a corrupt metadata log). */
class DataDirLockTest {

    @Test
    void shouldRefuseASecondClusterOnTheSameDirectoryAndNameTheRunningOne(@TempDir Path dir) throws Exception {
        // Given a broker running on dir, with a topic
        try (EmbeddedKafkaBroker running = EmbeddedKafkaBroker.builder().dataDir(dir).preferredPort(0).start()) {
            try (Admin admin = running.admin()) {
                admin.createTopics(Set.of(new NewTopic("kept", 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
            }

            // When a second broker is started on the same directory
            DataDirInUseException refused = assertThrows(DataDirInUseException.class,
                    () -> EmbeddedKafkaBroker.builder().dataDir(dir).preferredPort(0).start());

            // Then it is refused naming the directory and where the running one serves, which keeps running
            assertTrue(refused.getMessage().contains(dir.toString()), refused.getMessage());
            assertEquals(Optional.of(running.bootstrapServers()), refused.bootstrapServers());
            try (Admin admin = running.admin()) {
                assertTrue(admin.listTopics().names().get(30, TimeUnit.SECONDS).contains("kept"));
            }
        }
        // and once it has stopped the directory is free again, its records intact
        try (EmbeddedKafkaBroker again = EmbeddedKafkaBroker.builder().dataDir(dir).preferredPort(0).start();
             Admin admin = again.admin()) {
            assertTrue(admin.listTopics().names().get(30, TimeUnit.SECONDS).contains("kept"));
        }
    }

    @Test
    void shouldRefuseTheDirectoryWhileAnotherProcessHoldsIt(@TempDir Path dir) throws Exception {
        // Given another JVM holding dir's lock and announcing its cluster
        Process holder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), DataDirHolder.class.getName(), dir.toString(), "127.0.0.1:19092")
                .redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8));
            assertEquals("held", out.readLine());

            // When this process claims it
            DataDirInUseException refused = assertThrows(DataDirInUseException.class, () -> DataDirLock.acquire(dir));

            // Then it is refused with the holder's address
            assertEquals(Optional.of("127.0.0.1:19092"), refused.bootstrapServers());
        } finally {
            holder.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
        // and a holder killed with -9 leaves the directory free (the operating system drops its lock)
        try (DataDirLock lock = DataDirLock.acquire(dir)) {
            lock.announce("127.0.0.1:1");
        }
    }

    /** The other process: takes the lock, announces, says "held" and waits to be killed. */
    public static final class DataDirHolder {
        public static void main(String[] args) throws Exception {
            DataDirLock lock = DataDirLock.acquire(Path.of(args[0]));
            lock.announce(args[1]);
            System.out.println("held");
            System.out.flush();
            Thread.sleep(Long.MAX_VALUE);
        }
    }
}
