package dev.glimpse.console;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.glimpse.contracts.events.DeadLetter;
import dev.glimpse.contracts.events.DriftReport;
import dev.glimpse.contracts.events.ModelAnnouncement;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the monitoring page draws, read from the topics (the monitoring service's {@code drift} reports, the
 * training service's {@code models} announcements, every stage's {@code deadletter} records) plus the console's own
 * {@link PipelineRates}: accuracy per model version per window, each drift statistic per window with its alarm
 * threshold, the model version timeline, and dead letters by reason with the latest few. Bounded: the last
 * {@code maxReports} drift reports, {@code maxLetters} dead letters and every announcement (one per state change).
 */
final class MonitoringBoard {

    private final int maxReports;
    private final int maxLetters;
    private final Deque<DriftReport> reports = new ArrayDeque<>();
    private final List<ModelAnnouncement> announcements = new ArrayList<>();
    private final Deque<DeadLetter> letters = new ArrayDeque<>();
    private final Map<String, Long> lettersByReason = new TreeMap<>();
    private final Map<String, Long> lettersByStage = new TreeMap<>();
    private final PipelineRates rates;

    MonitoringBoard(PipelineRates rates, int maxReports, int maxLetters) {
        this.rates = rates;
        this.maxReports = maxReports;
        this.maxLetters = maxLetters;
    }

    synchronized void onDrift(DriftReport r) {
        reports.addLast(r);
        while (reports.size() > maxReports) {
            reports.removeFirst();
        }
    }

    synchronized void onModel(ModelAnnouncement a) {
        announcements.add(a);
        if (announcements.size() > 10_000) {
            announcements.remove(0);
        }
    }

    synchronized void onDeadLetter(DeadLetter d) {
        lettersByReason.merge(d.getReason().isEmpty() ? "(none)" : d.getReason(), 1L, Long::sum);
        lettersByStage.merge(d.getStage().isEmpty() ? "(none)" : d.getStage(), 1L, Long::sum);
        letters.addLast(d.toBuilder().clearOriginalValue().build()); // the page shows the reason, not the bytes
        while (letters.size() > maxLetters) {
            letters.removeFirst();
        }
    }

    synchronized ObjectNode toJson(ObjectMapper json) {
        ObjectNode o = json.createObjectNode();
        o.set("rates", rates.toJson(json));

        // statistic -> version -> points; accuracy is one of the statistics
        ObjectNode stats = o.putObject("statistics");
        for (DriftReport r : reports) {
            ObjectNode byVersion = stats.has(r.getStatistic()) ? (ObjectNode) stats.get(r.getStatistic()) : stats.putObject(r.getStatistic());
            String version = r.getModelName() + " v" + r.getModelVersion();
            ArrayNode points = byVersion.has(version) ? (ArrayNode) byVersion.get(version) : byVersion.putArray(version);
            ObjectNode p = points.addObject();
            p.put("t", r.getWindowEndMs() / 1000.0);
            number(p, "value", r.getValue());
            if ("accuracy".equals(r.getStatistic()) && !r.getDetailsMap().containsKey("reference_accuracy")) {
                p.putNull("threshold"); // no reference yet: the window is reported but cannot alarm
            } else {
                number(p, "threshold", r.getThreshold());
            }
            p.put("drifted", r.getDrifted());
            p.put("events", r.getEvents());
            if (r.getDetailsMap().containsKey("p_value")) {
                number(p, "pValue", r.getDetailsMap().get("p_value"));
            }
            if (r.getDetailsMap().containsKey("labeled")) {
                p.put("labeled", r.getDetailsMap().get("labeled").longValue());
            }
        }

        ArrayNode timeline = o.putArray("versions");
        for (ModelAnnouncement a : announcements) {
            ObjectNode v = timeline.addObject();
            v.put("model", a.getModelName());
            v.put("version", a.getVersion());
            v.put("state", a.getState().name().toLowerCase(java.util.Locale.ROOT).replace('_', ' '));
            v.put("at", a.getAnnouncedAtMs());
            v.put("parent", a.getParentVersion());
            v.put("reason", a.getReason());
            if (a.getMetricsMap().containsKey("holdout_accuracy")) {
                number(v, "holdout", a.getMetricsMap().get("holdout_accuracy"));
            }
            if (a.getMetricsMap().containsKey("parent_holdout_accuracy")) {
                number(v, "parentHoldout", a.getMetricsMap().get("parent_holdout_accuracy"));
            }
            if (a.getMetricsMap().containsKey("holdout_examples")) {
                v.put("holdoutExamples", a.getMetricsMap().get("holdout_examples").longValue());
            }
        }

        ObjectNode dead = o.putObject("deadLetters");
        ObjectNode byReason = dead.putObject("byReason");
        lettersByReason.forEach(byReason::put);
        ObjectNode byStage = dead.putObject("byStage");
        lettersByStage.forEach(byStage::put);
        ArrayNode latest = dead.putArray("latest");
        List<DeadLetter> newestFirst = new ArrayList<>(letters);
        for (int i = newestFirst.size() - 1; i >= 0; i--) {
            DeadLetter d = newestFirst.get(i);
            ObjectNode l = latest.addObject();
            l.put("at", d.getFailedAtMs());
            l.put("stage", d.getStage());
            l.put("reason", d.getReason());
            l.put("detail", d.getDetail());
            l.put("imageId", d.getImageId());
            l.put("source", d.getSourceTopic() + "-" + d.getSourcePartition() + "@" + d.getSourceOffset());
            l.put("size", d.getOriginalSize());
        }
        return o;
    }

    /** JSON has no NaN or infinity: such values are written as null. */
    private static void number(ObjectNode o, String key, double v) {
        if (Double.isFinite(v)) {
            o.put(key, v);
        } else {
            o.putNull(key);
        }
    }
}
