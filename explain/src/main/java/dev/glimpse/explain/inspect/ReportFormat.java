package dev.glimpse.explain.inspect;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Arrays;
import java.util.Locale;

/** inspect's outputs: a fixed-width table for people and JSON for scripts. */
public final class ReportFormat {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private ReportFormat() {
    }

    public static String table(ModelReport r) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "input %s %s%n", r.input(), shape(r.inputShape())));
        // the last column is what --layer takes (node and tensor names differ in most exported models): in full,
        // to be copied
        sb.append(String.format(Locale.ROOT, "%-36s %-20s %-18s %12s %15s %-34s %s%n",
                "layer", "op", "output", "params", "MACs", "receptive field (size/jump/start)", "output tensor (--layer)"));
        for (LayerReport l : r.layers()) {
            sb.append(String.format(Locale.ROOT, "%-36s %-20s %-18s %12d %15d %-34s %s%n", clip(l.name(), 36), l.op(),
                    shape(l.outputShape()), l.parameters(), l.macs(), rf(l), l.output()));
        }
        sb.append(String.format(Locale.ROOT, "total parameters %,d   total MACs %,d (%.3f GMACs)%n",
                r.totalParameters(), r.totalMacs(), r.totalMacs() / 1e9));
        return sb.toString();
    }

    public static String json(ModelReport r) {
        ObjectNode root = JSON.createObjectNode();
        root.put("input", r.input());
        root.set("inputShape", array(r.inputShape()));
        root.put("totalParameters", r.totalParameters());
        root.put("totalMacs", r.totalMacs());
        ArrayNode layers = root.putArray("layers");
        for (LayerReport l : r.layers()) {
            ObjectNode n = layers.addObject();
            n.put("name", l.name());
            n.put("op", l.op());
            ArrayNode ins = n.putArray("inputs");
            l.inputs().forEach(ins::add);
            n.put("output", l.output());
            n.set("outputShape", array(l.outputShape()));
            n.put("outputElements", l.outputElements());
            n.put("parameters", l.parameters());
            n.put("macs", l.macs());
            if (l.receptiveFieldH() != null) {
                ObjectNode rf = n.putObject("receptiveField");
                rf.set("size", JSON.createArrayNode().add(l.receptiveFieldH().size()).add(l.receptiveFieldW().size()));
                rf.set("jump", JSON.createArrayNode().add(l.receptiveFieldH().jump()).add(l.receptiveFieldW().jump()));
                rf.set("start", JSON.createArrayNode().add(l.receptiveFieldH().start()).add(l.receptiveFieldW().start()));
            }
        }
        try {
            return JSON.writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static String shape(long[] s) {
        return s == null ? "?" : Arrays.toString(s).replace(" ", "");
    }

    static String rf(LayerReport l) {
        if (l.receptiveFieldH() == null) {
            return "";
        }
        ReceptiveField h = l.receptiveFieldH();
        ReceptiveField w = l.receptiveFieldW();
        return h.equals(w) ? String.format(Locale.ROOT, "%s/%s/%s", num(h.size()), num(h.jump()), num(h.start()))
                : String.format(Locale.ROOT, "%sx%s/%sx%s/%sx%s", num(h.size()), num(w.size()), num(h.jump()), num(w.jump()),
                        num(h.start()), num(w.start()));
    }

    private static String num(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }

    private static String clip(String s, int n) {
        return s.length() <= n ? s : s.substring(0, n - 1) + "…";
    }

    private static ArrayNode array(long[] s) {
        ArrayNode a = JSON.createArrayNode();
        if (s != null) {
            for (long v : s) {
                a.add(v);
            }
        }
        return a;
    }
}
