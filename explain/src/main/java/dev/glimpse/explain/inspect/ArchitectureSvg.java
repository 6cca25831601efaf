package dev.glimpse.explain.inspect;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Draws the architecture as SVG: one box per layer (op, output shape, parameters) top to bottom in graph
 * order; an edge from a layer's producer that is not the box just above (a residual or concat branch) is
 * drawn as an arc on the right, labelled by the joining op.
 */
public final class ArchitectureSvg {

    private static final int BOX_W = 300;
    private static final int BOX_H = 34;
    private static final int GAP = 14;
    private static final int LEFT = 20;

    private ArchitectureSvg() {
    }

    public static String render(ModelReport r) {
        List<LayerReport> layers = r.layers();
        Map<String, Integer> producer = new HashMap<>();
        producer.put(r.input(), -1);
        for (int i = 0; i < layers.size(); i++) {
            producer.put(layers.get(i).output(), i);
        }
        int height = (layers.size() + 1) * (BOX_H + GAP) + 40;
        StringBuilder edges = new StringBuilder();
        StringBuilder boxes = new StringBuilder();
        int maxArc = 0;
        box(boxes, 0, "input " + r.input(), ReportFormat.shape(r.inputShape()), "#e8f0fe");
        for (int i = 0; i < layers.size(); i++) {
            LayerReport l = layers.get(i);
            int row = i + 1;
            String fill = switch (l.op()) {
                case "Conv", "ConvTranspose" -> "#fde7c8";
                case "Gemm", "MatMul" -> "#d7f0d2";
                case "MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool" -> "#e4dcf5";
                case "Add", "Concat", "Sum" -> "#fbd3d3";
                default -> "#f2f2f2";
            };
            String detail = ReportFormat.shape(l.outputShape()) + (l.parameters() > 0 ? "  params " + l.parameters() : "");
            box(boxes, row, l.op() + "  " + escape(l.name()), detail, fill);
            for (String in : l.inputs()) {
                Integer p = producer.get(in);
                if (p == null) {
                    continue;
                }
                int fromRow = p + 1;
                int y1 = y(fromRow) + BOX_H;
                int y2 = y(row);
                if (fromRow == row - 1) {
                    int x = LEFT + BOX_W / 2;
                    edges.append(String.format("<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#555\" marker-end=\"url(#a)\"/>%n",
                            x, y1, x, y2));
                } else {
                    int span = row - fromRow;
                    int bulge = Math.min(40 + 12 * span, 400);
                    maxArc = Math.max(maxArc, bulge);
                    int x = LEFT + BOX_W;
                    String kind = l.op().equals("Concat") ? "concat" : l.op().equals("Add") || l.op().equals("Sum") ? "residual" : "skip";
                    edges.append(String.format("<path d=\"M %d %d C %d %d, %d %d, %d %d\" fill=\"none\" stroke=\"%s\" marker-end=\"url(#a)\"><title>%s</title></path>%n",
                            x, y(fromRow) + BOX_H / 2, x + bulge, y(fromRow) + BOX_H / 2, x + bulge, y2 + BOX_H / 2, x, y2 + BOX_H / 2,
                            kind.equals("concat") ? "#2a7ab0" : "#c0392b", kind));
                }
            }
        }
        int width = LEFT * 2 + BOX_W + maxArc + 20;
        return "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + width + "\" height=\"" + height + "\" font-family=\"sans-serif\" font-size=\"11\">\n"
                + "<defs><marker id=\"a\" markerWidth=\"8\" markerHeight=\"8\" refX=\"7\" refY=\"4\" orient=\"auto\"><path d=\"M0,0 L8,4 L0,8 z\" fill=\"#555\"/></marker></defs>\n"
                + "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
                + edges + boxes
                + String.format("<text x=\"%d\" y=\"%d\">total parameters %d, MACs %d</text>%n", LEFT, height - 12, r.totalParameters(), r.totalMacs())
                + "</svg>\n";
    }

    private static int y(int row) {
        return 10 + row * (BOX_H + GAP);
    }

    private static void box(StringBuilder sb, int row, String title, String detail, String fill) {
        int y = y(row);
        sb.append(String.format("<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" rx=\"4\" fill=\"%s\" stroke=\"#333\"/>%n",
                LEFT, y, BOX_W, BOX_H, fill));
        sb.append(String.format("<text x=\"%d\" y=\"%d\" font-weight=\"bold\">%s</text>%n", LEFT + 6, y + 14, escape(clip(title))));
        sb.append(String.format("<text x=\"%d\" y=\"%d\">%s</text>%n", LEFT + 6, y + 28, escape(detail)));
    }

    private static String clip(String s) {
        return s.length() > 48 ? s.substring(0, 47) + "…" : s;
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
