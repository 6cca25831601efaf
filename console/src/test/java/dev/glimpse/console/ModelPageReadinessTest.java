package dev.glimpse.console;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glimpse.explainworker.TinyCnn;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Readiness: the model page builds its report and sessions in the background, before anyone visits it. */
class ModelPageReadinessTest {

    @TempDir
    Path dir;

    @Test
    void shouldBuildTheModelPagesSessionsBeforeTheFirstVisit() throws Exception {
        Path model = TinyCnn.write(dir.resolve("tiny.onnx"), "1", 7);
        try (ModelPage page = new ModelPage(model)) {
            assertFalse(page.ready(), "nothing is built before it is asked to prepare");
            page.prepareInBackground();
            await().atMost(Duration.ofSeconds(60)).until(page::ready);
            assertTrue(page.filtersPng().length > 100, "the prepared page renders its filters");
        }
    }

    @Test
    void shouldStayNotReadyWithoutAModel() {
        try (ModelPage page = new ModelPage(null)) {
            page.prepareInBackground();
            assertFalse(page.ready());
        }
    }
}
