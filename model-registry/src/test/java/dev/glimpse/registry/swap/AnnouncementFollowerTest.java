package dev.glimpse.registry.swap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glimpse.contracts.events.ModelAnnouncement;
import dev.glimpse.contracts.events.ModelAnnouncement.State;
import java.util.List;
import org.junit.jupiter.api.Test;

class AnnouncementFollowerTest {

    private static ModelAnnouncement a(String version, State state) {
        return ModelAnnouncement.newBuilder().setModelName("m").setVersion(version).setState(state).build();
    }

    @Test
    void shouldSwapOnNewPromotionOnlyAndFollowShadowLifecycle() {
        AnnouncementFollower f = new AnnouncementFollower("m", "v1");
        assertEquals(AnnouncementFollower.Action.IGNORE, f.onAnnouncement(a("v1", State.PROMOTED)), "already serving");
        assertEquals(AnnouncementFollower.Action.IGNORE, f.onAnnouncement(a("v2", State.CANDIDATE)));
        assertEquals(AnnouncementFollower.Action.START_SHADOW, f.onAnnouncement(a("v2", State.SHADOW)));
        assertEquals("v2", f.shadow());
        assertEquals(AnnouncementFollower.Action.LOAD_AND_SWAP, f.onAnnouncement(a("v2", State.PROMOTED)));
        assertEquals(null, f.shadow(), "a promoted shadow is no longer a shadow");
        f.swapped("v2");
        assertEquals(AnnouncementFollower.Action.START_SHADOW, f.onAnnouncement(a("v3", State.SHADOW)));
        assertEquals(AnnouncementFollower.Action.STOP_SHADOW, f.onAnnouncement(a("v3", State.REJECTED)));
        assertEquals(AnnouncementFollower.Action.IGNORE, f.onAnnouncement(a("v2", State.ROLLED_BACK)));
        assertEquals(AnnouncementFollower.Action.LOAD_AND_SWAP, f.onAnnouncement(a("v1", State.PROMOTED)), "rollback target");
        assertEquals(AnnouncementFollower.Action.IGNORE, f.onAnnouncement(
                ModelAnnouncement.newBuilder().setModelName("other").setVersion("v9").setState(State.PROMOTED).build()));
    }

    @Test
    void shouldPickLastPromotedAfterReplayOfCompactedTopic() {
        // compaction kept the latest state per name/version, in offset order: v2's rollback, then v1 re-promoted
        List<ModelAnnouncement> log = List.of(a("v3", State.REJECTED), a("v2", State.ROLLED_BACK), a("v1", State.PROMOTED));
        assertEquals("v1", AnnouncementFollower.lastPromoted("m", log).orElseThrow().getVersion());
        assertTrue(AnnouncementFollower.lastPromoted("x", log).isEmpty());
    }

    @Test
    void shouldSampleShadowTrafficStablyAtTheAnnouncedFraction() {
        int in = 0;
        for (int i = 0; i < 10_000; i++) {
            boolean s = ShadowSampler.inShadow("img-" + i, 0.1);
            assertEquals(s, ShadowSampler.inShadow("img-" + i, 0.1), "same answer every time");
            in += s ? 1 : 0;
        }
        assertEquals(0.1, in / 10_000.0, 0.01); // sd 0.003
        assertFalse(ShadowSampler.inShadow("img-1", 0.0));
    }
}
